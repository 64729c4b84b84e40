/*
 * sim/scn-lex.c - splitting a scenario line into tokens.
 *
 * Tokens: numbers (decimal or 0x hexadecimal, optional _ separators),
 * identifiers ([A-Za-z_][A-Za-z0-9_.]*, so d1.v0 is one word), strings in
 * double quotes, and operators: + - * / % & | ^ ~ ! << >> == != <= >= < >
 * ( ) , =.  A '#' outside a string starts a comment.
 */
#include "scenario.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scn_errorf(struct scn_error *err, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (col > 0)
        n = snprintf(err->msg, sizeof(err->msg), "%s:%d:%d: error: ", file, line, col);
    else
        n = snprintf(err->msg, sizeof(err->msg), "%s:%d: error: ", file, line);
    if (n < 0 || (size_t)n >= sizeof(err->msg))
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
    va_end(ap);
}

static struct scn_token *push(struct scn_line *l)
{
    if (l->ntok + 1 >= l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        struct scn_token *t = realloc(l->tok, (size_t)cap * sizeof(*t));

        if (!t)
            abort();
        l->tok = t;
        l->cap = cap;
    }
    memset(&l->tok[l->ntok], 0, sizeof(l->tok[0]));
    return &l->tok[l->ntok++];
}

static bool lex_number(const char *file, int lineno, const char *src, int *i,
                       struct scn_token *t, struct scn_error *err)
{
    int start = *i, base = 10, digits = 0;
    uint64_t v = 0;

    if (src[*i] == '0' && (src[*i + 1] == 'x' || src[*i + 1] == 'X')) {
        base = 16;
        *i += 2;
    }
    for (;; (*i)++) {
        int c = (unsigned char)src[*i], d;

        if (c == '_')
            continue;
        if (isdigit(c))
            d = c - '0';
        else if (base == 16 && isxdigit(c))
            d = tolower(c) - 'a' + 10;
        else
            break;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
            scn_errorf(err, file, lineno, start + 1, "number too large for 64 bits");
            return false;
        }
        v = v * (uint64_t)base + (uint64_t)d;
        digits++;
    }
    if (digits == 0 || isalpha((unsigned char)src[*i]) || src[*i] == '_') {
        scn_errorf(err, file, lineno, start + 1, "malformed number '%.*s'",
                   (int)strcspn(src + start, " \t,()#"), src + start);
        return false;
    }
    t->kind = TK_NUM;
    t->num = v;
    snprintf(t->text, sizeof(t->text), "%.*s", *i - start, src + start);
    return true;
}

static const char *const ops2[] = { "<<", ">>", "==", "!=", "<=", ">=", "&&", "||" };
static const char ops1[] = "+-*/%&|^~!<>(),=";

bool scn_lex(const char *file, int lineno, const char *src, struct scn_line *l,
             struct scn_error *err)
{
    int i = 0;

    l->file = file;
    l->lineno = lineno;
    l->src = src;
    l->ntok = 0;
    for (;;) {
        struct scn_token *t;
        int c = (unsigned char)src[i];

        if (c == ' ' || c == '\t' || c == '\r') {
            i++;
            continue;
        }
        if (c == '\0' || c == '#' || c == '\n')
            break;
        t = push(l);
        t->col = i + 1;
        if (isdigit(c)) {
            if (!lex_number(file, lineno, src, &i, t, err))
                return false;
        } else if (isalpha(c) || c == '_') {
            int start = i;

            while (isalnum((unsigned char)src[i]) || src[i] == '_' || src[i] == '.')
                i++;
            if (i - start >= (int)sizeof(t->text)) {
                scn_errorf(err, file, lineno, start + 1, "name too long");
                return false;
            }
            t->kind = TK_IDENT;
            memcpy(t->text, src + start, (size_t)(i - start));
            t->text[i - start] = '\0';
        } else if (c == '"') {
            int start = ++i;

            while (src[i] && src[i] != '"' && src[i] != '\n')
                i++;
            if (src[i] != '"') {
                scn_errorf(err, file, lineno, start, "unterminated string");
                return false;
            }
            t->kind = TK_STR;
            snprintf(t->text, sizeof(t->text), "%.*s", i - start, src + start);
            i++;
        } else {
            bool found = false;

            for (size_t k = 0; k < sizeof(ops2) / sizeof(ops2[0]); k++)
                if (strncmp(src + i, ops2[k], 2) == 0) {
                    t->kind = TK_OP;
                    strcpy(t->text, ops2[k]);
                    i += 2;
                    found = true;
                    break;
                }
            if (!found && strchr(ops1, c)) {
                t->kind = TK_OP;
                t->text[0] = (char)c;
                t->text[1] = '\0';
                i++;
                found = true;
            }
            if (!found) {
                scn_errorf(err, file, lineno, i + 1, "unexpected character '%c'", c);
                return false;
            }
        }
    }
    push(l)->kind = TK_END;
    l->ntok--;
    l->tok[l->ntok].col = i + 1;
    return true;
}

void scn_line_free(struct scn_line *l)
{
    free(l->tok);
    l->tok = NULL;
    l->cap = l->ntok = 0;
}
