/*
 * log.h — fanout-lb-sync's log: one line on stderr, stamped in UTC.
 */
#ifndef FANOUT_LB_LOG_H
#define FANOUT_LB_LOG_H

void lb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
