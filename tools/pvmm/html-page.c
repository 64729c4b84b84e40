/*
 * tools/pvmm/html-page.c - the self-contained page of `pvmm html` (see html.h).
 *
 * Layout: a list of every step on the left (refusals red), the chosen step
 * on the right: its line and statement, the narration before it, its result
 * and, for a refusal, the explanation in a red box; under it the domain's
 * tree after the step.  The steps are JSON in a <script> element, the trees
 * hidden <div>s of inline SVG; a little script shows one step at a time:
 * Prev/Next buttons, the arrow keys (Home/End), a click in the list, and
 * "#step-N" in the address.  body[data-step] is the step shown (1-based),
 * which is what the browser test reads.
 */
#include <string.h>

#include "html.h"

/* s as a JSON string that is also safe inside <script> (no "<", ">" or "&"). */
static void js_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c == '<' || c == '>' || c == '&')
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* s as HTML text. */
static void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

static const char style[] =
    "body{font-family:Helvetica,Arial,sans-serif;margin:0;display:grid;"
    "grid-template-columns:22em 1fr;height:100vh;color:#222}\n"
    "nav{overflow-y:auto;border-right:1px solid #ccc;background:#f7f7f7;font-size:13px}\n"
    "nav h1{font-size:15px;margin:8px}\n"
    "nav ol{margin:0;padding:0 0 0 3.2em}\n"
    "nav li{cursor:pointer;padding:1px 4px;white-space:nowrap;overflow:hidden;"
    "text-overflow:ellipsis;font-family:monospace}\n"
    "nav li.refused{color:#b00000}\n"
    "nav li.current{background:#cde;font-weight:bold}\n"
    "main{overflow:auto;padding:10px 16px}\n"
    "#bar button{font-size:14px;margin-right:6px}\n"
    "#where{font-family:monospace;font-size:15px;margin:8px 0}\n"
    "#narration{white-space:pre-wrap;color:#555;font-size:13px;margin:4px 0}\n"
    "#result{font-family:monospace;margin:6px 0;padding:4px 8px;border-left:4px solid #3a3}\n"
    "#result.refused{border-left-color:#d00000;background:#ffe0e0}\n"
    "#explanation{white-space:pre-wrap;font-family:monospace;font-size:12px;"
    "background:#ffe0e0;border:2px solid #d00000;padding:6px 8px;margin:6px 0}\n"
    "#tree svg{max-width:100%;height:auto}\n"
    "#legend{font-size:12px;color:#444;margin-top:8px}\n"
    ".tree{display:none}\n";

static const char script[] =
    "const steps = JSON.parse(document.getElementById('steps').textContent);\n"
    "const items = document.querySelectorAll('nav li');\n"
    "let cur = 0;\n"
    "function show(i) {\n"
    "  cur = Math.max(0, Math.min(steps.length - 1, i));\n"
    "  const s = steps[cur];\n"
    "  items.forEach((li, k) => li.classList.toggle('current', k === cur));\n"
    "  items[cur].scrollIntoView({block: 'nearest'});\n"
    "  document.getElementById('counter').textContent =\n"
    "    'step ' + (cur + 1) + ' of ' + steps.length;\n"
    "  document.getElementById('where').textContent = 'line ' + s.line + ': ' + s.stmt;\n"
    "  document.getElementById('narration').textContent = s.narration;\n"
    "  const r = document.getElementById('result');\n"
    "  r.textContent = '-> ' + s.result;\n"
    "  r.classList.toggle('refused', s.refused);\n"
    "  const e = document.getElementById('explanation');\n"
    "  e.textContent = s.explanation || '';\n"
    "  e.style.display = s.explanation ? 'block' : 'none';\n"
    "  document.querySelectorAll('.tree').forEach((t, k) => {\n"
    "    t.style.display = k === s.svg ? 'block' : 'none'; });\n"
    "  document.getElementById('nodom').style.display = s.svg < 0 ? 'block' : 'none';\n"
    "  document.getElementById('prev').disabled = cur === 0;\n"
    "  document.getElementById('next').disabled = cur === steps.length - 1;\n"
    "  document.body.dataset.step = cur + 1;\n"
    "  history.replaceState(null, '', '#step-' + (cur + 1));\n"
    "}\n"
    "document.getElementById('prev').onclick = () => show(cur - 1);\n"
    "document.getElementById('next').onclick = () => show(cur + 1);\n"
    "items.forEach((li, k) => li.onclick = () => show(k));\n"
    "document.addEventListener('keydown', ev => {\n"
    "  if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') show(cur + 1);\n"
    "  else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') show(cur - 1);\n"
    "  else if (ev.key === 'Home') show(0);\n"
    "  else if (ev.key === 'End') show(steps.length - 1);\n"
    "  else return;\n"
    "  ev.preventDefault();\n"
    "});\n"
    "const m = /^#step-(\\d+)$/.exec(location.hash);\n"
    "show(m ? parseInt(m[1], 10) - 1 : 0);\n";

static const char legend[] =
    "<div id=\"legend\">Tables: level, frame, type count and general count. Double border: "
    "pinned; filled blue: loaded as a vCPU's base (CR3); [n]: slot n points at the next "
    "level down; dashed blue: linear (same-level) entry; dotted grey: read-only mapping of "
    "a page table; red: the writable mapping that blocks the operation (or one that must "
    "not exist), and the table holding the entry the operation was about.  Keys: "
    "&larr; &rarr; step, Home/End.</div>\n";

static void write_steps(FILE *f, const struct html_page *p)
{
    fputs("<script id=\"steps\" type=\"application/json\">[", f);
    for (int i = 0; i < p->nsteps; i++) {
        const struct html_step *s = &p->steps[i];

        fprintf(f, "%s\n{\"line\": %d, \"stmt\": ", i ? "," : "", s->line);
        js_string(f, s->stmt);
        fputs(", \"narration\": ", f);
        js_string(f, s->narration);
        fputs(", \"result\": ", f);
        js_string(f, s->result);
        fprintf(f, ", \"refused\": %s, \"failed\": %s, \"explanation\": ",
                s->refused ? "true" : "false", s->failed ? "true" : "false");
        if (s->explanation)
            js_string(f, s->explanation);
        else
            fputs("null", f);
        fprintf(f, ", \"dom\": %d, \"svg\": %d}", s->dom, s->svg);
    }
    fputs("]</script>\n", f);
}

void html_write_page(FILE *f, const struct html_page *p)
{
    int refusals = 0;

    for (int i = 0; i < p->nsteps; i++)
        refusals += p->steps[i].refused;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>pvmm: ", f);
    html_text(f, p->file);
    fprintf(f, "</title>\n<style>\n%s</style></head>\n<body data-step=\"0\">\n<nav><h1>", style);
    html_text(f, p->file);
    fprintf(f, "</h1><p style=\"margin:0 8px 6px\">%d operations, %d refused%s</p><ol>\n",
            p->nsteps - (p->failed ? 1 : 0), refusals - (p->failed ? 1 : 0),
            p->failed ? "; the scenario FAILED" : "");
    for (int i = 0; i < p->nsteps; i++) {
        fprintf(f, "<li%s title=\"line %d\">", p->steps[i].refused ? " class=\"refused\"" : "",
                p->steps[i].line);
        html_text(f, p->steps[i].stmt);
        fputs("</li>\n", f);
    }
    fputs("</ol></nav>\n<main>\n<div id=\"bar\"><button id=\"prev\">&larr; Prev</button>"
          "<button id=\"next\">Next &rarr;</button><span id=\"counter\"></span></div>\n"
          "<div id=\"narration\"></div>\n<div id=\"where\"></div>\n<div id=\"result\"></div>\n"
          "<div id=\"explanation\"></div>\n<div id=\"tree\">\n"
          "<p id=\"nodom\">(no domain yet)</p>\n", f);
    for (int i = 0; i < p->nsvgs; i++) {
        fprintf(f, "<div class=\"tree\" id=\"svg-%d\">\n", i);
        fputs(p->svgs[i], f);
        fputs("</div>\n", f);
    }
    fprintf(f, "</div>\n%s</main>\n", legend);
    write_steps(f, p);
    fprintf(f, "<script>\n%s</script>\n</body></html>\n", script);
}
