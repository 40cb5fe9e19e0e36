/* migrate: applies the numbered SQL files of db/ (compiled into the binary)
 * that the database has not seen yet, each in its own transaction, and
 * records them in schema_version. */
#ifndef MOTCUA_MIGRATE_H
#define MOTCUA_MIGRATE_H

#include <stddef.h>

struct store;

/* Brings the schema up to date. Returns 0, or <0 with a message in err. */
int migrate_apply(struct store *db, char *err, size_t errlen);

/* The newest version this binary knows. */
int migrate_latest(void);

#endif
