/*
 * mongo_doc.h — the mongodb:// backend's documents: which record field is
 * which document field (Ant Media Server's names), and the conversions
 * between records and BSON.  Pure: no I/O, nothing kept between calls.
 */
#ifndef FANOUT_STORE_MONGO_DOC_H
#define FANOUT_STORE_MONGO_DOC_H

#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>

#include "backend.h"

#define MG_KEY_MAX (FO_ID_MAX + FO_STREAM_MAX)

/* A record field and its document field.  Types: s string, i int32,
 * l int64, d double, r role, h the sort key of a string (fo_mg_sort_key;
 * written, never read back).  Written when the call's mask shares a bit
 * with mask. */
typedef struct {
    const char *name;
    char type;
    size_t off, size;
    unsigned mask;
} mg_field;

/* Broadcast field groups beyond the public FO_F_* bits. */
enum {
    F_KEY = 1 << 16,
    F_OWNER = 1 << 17,          /* who publishes it: set by claim */
    F_DATE = 1 << 18,
    F_START = 1 << 19,
    F_UPDATE = 1 << 20,
    F_ALL = 0x7fffffff,
    /* Upserts leave the key out of their update: the insert takes it from
     * the filter, and MongoDB only retries an upsert that lost a race on
     * the unique key if the update does not touch the key's fields. */
    F_BODY = F_ALL & ~F_KEY
};

#define F_CLAIM                                                           \
    (FO_F_STATUS | FO_F_PUBLISH_TYPE | F_OWNER | F_START | F_UPDATE)

/* The field tables of fo_node, fo_broadcast and fo_vod; each ends with a
 * NULL name. */
extern const mg_field fo_mg_node_fields[];
extern const mg_field fo_mg_bcast_fields[];
extern const mg_field fo_mg_vod_fields[];

/* The fields of fo_progress: F_PROGRESS those a put writes; progressTime
 * (written_ms) is F_UPDATE, set by the server ($currentDate, a BSON
 * date). */
enum { F_PROGRESS = 1 << 21 };

/* The broadcast's sort keys alone (streamKey, nameKey): the backfill of
 * documents written before them (mongo_list.c). */
enum { F_KEYS = 1 << 22 };
extern const mg_field fo_mg_progress_fields[];

/* The fields of fo_session (collection "sessions"); seq, the entry's
 * number, is not one of them. */
extern const mg_field fo_mg_session_fields[];

/* The sort key of s into dst[cap]: its bytes in lowercase hex.  Lists
 * sort on streamKey and nameKey, never on the text: hex compares in the
 * bytes' order under any collation (a collection's default collation,
 * or the test server's locale order), which is the contract's order. */
void fo_mg_sort_key(char *dst, const char *s, size_t cap);

/* Appends the fields of rec named by mask to d. */
void fo_mg_put_fields(bson_t *d, const mg_field *f, const void *rec,
                      unsigned mask);

/* {op: {fields of rec named by mask}}.  The caller destroys it (the
 * driver steps of mongo_conn.h do). */
bson_t *fo_mg_with(const char *op, const mg_field *f, const void *rec,
                   unsigned mask);

/* Fills rec (zeroed first) from d; missing fields stay 0 / "". */
void fo_mg_get_fields(const bson_t *d, const mg_field *f, void *rec,
                      size_t size);

/* Field k of d as an int64: a date, or a number of any width; 0 when it
 * is missing or something else. */
int64_t fo_mg_num(const bson_t *d, const char *k);

/* String field k of d into dst[cap]; "" when missing or not a string. */
void fo_mg_get_str(const bson_t *d, const char *k, char *dst, size_t cap);

/* Filters on a record's key.  The caller destroys them. */
bson_t *fo_mg_stream_q(const char *app, const char *stream_id);
bson_t *fo_mg_node_q(const char *id);

/* Writes the error-message argument "app/streamId" into key[MG_KEY_MAX]
 * and returns key. */
const char *fo_mg_skey(char *key, const char *app, const char *stream_id);

#endif /* FANOUT_STORE_MONGO_DOC_H */
