/*
 * mongo_repl.h — the replica set's replication lag, from a
 * replSetGetStatus reply (what a mongodb:// node heartbeat stores as
 * repl_lag_ms).
 */
#ifndef FANOUT_STORE_MONGO_REPL_H
#define FANOUT_STORE_MONGO_REPL_H

#include <bson/bson.h>
#include <mongoc/mongoc.h>

/* The lag in milliseconds: the largest primary optime - member optime over
 * the SECONDARY members (optimeDate, else optime.ts), 0 when the set has
 * no secondary; -1 when the reply is an error (e.g. "not running with
 * --replSet"), has no PRIMARY, or lacks the optimes.  A pure function of
 * reply; never fails otherwise. */
double fo_mg_repl_lag_ms(const bson_t *reply);

/* Runs replSetGetStatus on client's admin database (one round trip) and
 * returns fo_mg_repl_lag_ms of the reply, or -1 when the command fails:
 * a server that is not a replica set, or a user without clusterMonitor. */
double fo_mg_repl_lag_measure(mongoc_client_t *client);

#endif /* FANOUT_STORE_MONGO_REPL_H */
