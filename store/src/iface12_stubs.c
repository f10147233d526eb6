/* #12 merge: replaced by the store branch (this whole file and its line in
 * store/CMakeLists.txt): the #12 store calls, not implemented here. */
#include <stdio.h>

#include "fanout/store.h"

static fo_status not_here(fo_error *err)
{
    if (err != NULL) {
        err->code = FO_ERR_INVALID;
        snprintf(err->msg, sizeof(err->msg), "not implemented on this branch");
    }
    return FO_ERR_INVALID;
}

fo_status fo_stream_progress_put(fo_store *s, const char *app,
                                 const char *stream_id,
                                 const char *session_id,
                                 const fo_progress *p, fo_error *err)
{
    (void)s, (void)app, (void)stream_id, (void)session_id, (void)p;
    return not_here(err);
}

fo_status fo_stream_progress_get(fo_store *s, const char *app,
                                 const char *stream_id, fo_progress *out,
                                 fo_error *err)
{
    (void)s, (void)app, (void)stream_id, (void)out;
    return not_here(err);
}

fo_status fo_stream_history(fo_store *s, const char *app,
                            const char *stream_id, size_t offset,
                            fo_session *out, size_t cap, size_t *n,
                            fo_error *err)
{
    (void)s, (void)app, (void)stream_id, (void)offset, (void)out, (void)cap;
    if (n != NULL) {
        *n = 0;
    }
    return not_here(err);
}
