/*
 * stream_ids_table.h — reads tests/data/stream_ids.tsv, the one table of
 * valid and invalid names that every validator's tests share (the
 * origin's StreamKey, the store's fo_valid_id, the edge's path parser).
 * C, header-only, for cmocka and gtest alike.
 *
 *   fo_id_row row;
 *   FILE *f = fopen(FO_STREAM_IDS_TSV, "r");
 *   while (fo_id_row_next(f, &row) == 1) { ... row.kind, row.valid,
 *                                           row.name, row.len ... }
 *
 * Returns 1 for a row, 0 at the end, -1 for a malformed line (the test
 * fails: a table nobody can read tests nothing).
 */
#ifndef FANOUT_TESTS_STREAM_IDS_TABLE_H
#define FANOUT_TESTS_STREAM_IDS_TABLE_H

#include <stdio.h>
#include <string.h>

typedef struct {
    char          kind[16];     /* "stream" or "app" */
    int           valid;
    unsigned char name[512];    /* unescaped; may hold NUL bytes */
    size_t        len;
    int           line;
} fo_id_row;

static int fo_id_hex(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Unescapes \xNN, \\, \t and \n from src into row->name. */
static int fo_id_unescape(const char *src, fo_id_row *row)
{
    row->len = 0;
    while (*src != '\0') {
        int c = (unsigned char) *src++;
        if (c == '\\') {
            int e = (unsigned char) *src++;
            if (e == 'x') {
                int h = fo_id_hex(src[0]), l = h < 0 ? -1 : fo_id_hex(src[1]);
                if (l < 0) return -1;
                c = h * 16 + l;
                src += 2;
            } else if (e == '\\') {
                c = '\\';
            } else if (e == 't') {
                c = '\t';
            } else if (e == 'n') {
                c = '\n';
            } else {
                return -1;
            }
        }
        if (row->len == sizeof(row->name)) return -1;
        row->name[row->len++] = (unsigned char) c;
    }
    return 0;
}

static int fo_id_row_next(FILE *f, fo_id_row *row)
{
    char line[1024];

    while (fgets(line, sizeof(line), f) != NULL) {
        char *verdict, *name;
        size_t n = strlen(line);

        row->line++;
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        if (n == 0 || line[0] == '#') continue;
        verdict = strchr(line, '\t');
        name = verdict ? strchr(verdict + 1, '\t') : NULL;
        if (name == NULL) return -1;
        *verdict++ = '\0';
        *name++ = '\0';
        if (strlen(line) >= sizeof(row->kind)) return -1;
        strcpy(row->kind, line);
        if (strcmp(verdict, "valid") == 0) {
            row->valid = 1;
        } else if (strcmp(verdict, "invalid") == 0) {
            row->valid = 0;
        } else {
            return -1;
        }
        return fo_id_unescape(name, row) == 0 ? 1 : -1;
    }
    return 0;
}

#endif /* FANOUT_TESTS_STREAM_IDS_TABLE_H */
