#ifndef CSQLITESUPPORT_H
#define CSQLITESUPPORT_H

/// Tells SQLite not to checkpoint the WAL when this connection closes (the last one to
/// close otherwise does, with fsyncs, at the end of every short-lived command).
/// `sqlite3_db_config` is variadic and so not callable from Swift; this wraps the one use.
/// Returns an SQLite result code.
int cn_sqlite_disable_checkpoint_on_close(void *connection);

#endif
