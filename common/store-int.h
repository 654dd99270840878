/* store-int.h: what the store's own files share, invisible to the rest. */
#ifndef STORE_INT_H
#define STORE_INT_H

/* store-schema.c */
size_t store_schema_count(void);
const char *store_schema_migration(size_t from_version);

#endif
