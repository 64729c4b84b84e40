/*
 * tools/pvmm/html.h - the steps of `pvmm html` and the page that shows them.
 *
 * cmd-html.c runs the scenario and records one step per operation: the
 * statement, the narration printed before it, its result, whether it was
 * refused (and the explanation), and the domain's tree after it as SVG
 * (drawn by Graphviz; identical trees share one SVG).  html-page.c writes
 * them as one self-contained page: no external file, no network.
 */
#ifndef PVMM_HTML_H
#define PVMM_HTML_H

#include <stdbool.h>
#include <stdio.h>

struct html_step {
    int      line;
    char    *stmt;          /* the statement as written */
    char    *narration;     /* say lines printed since the previous step */
    char    *result;        /* one-line summary */
    bool     refused;       /* the operation failed (expected or not) */
    bool     failed;        /* the scenario failed here (an expectation did not hold) */
    char    *explanation;   /* explain's text for a refusal or failure, else NULL */
    int      dom;           /* the domain drawn, -1 for none */
    int      svg;           /* index into html_page.svgs, -1 for none */
};

struct html_page {
    const char *file;       /* the scenario's name */
    struct html_step *steps;
    int      nsteps, cap;
    char   **svgs;
    int      nsvgs, svgcap;
    bool     failed;        /* the scenario failed */
};

/* Write the page for p to f. */
void html_write_page(FILE *f, const struct html_page *p);

#endif /* PVMM_HTML_H */
