/*
 * wal-coalesce: a SQLite VFS shim that writes each commit's WAL frames with one system call.
 *
 * SQLite writes every WAL frame with two pwrite calls, its 24-byte header and then its page, so a
 * commit of 13 pages makes 26 calls (bench/README.md, finding 42). This shim, loaded as an
 * extension and registered as the default VFS over the platform's own, keeps the writes to a WAL
 * file in a buffer while they are contiguous and hands them to the real file in one write:
 *
 * - once the page of a commit's last frame is written (its header says so: bytes 4 to 7 hold the
 *   database's size after the commit), so a failed write fails the commit, as it would without
 *   the shim;
 * - at xShmBarrier on any database file of the same thread, which SQLite calls after writing a
 *   commit's frames and before it publishes them to readers in the WAL index (walIndexWriteHdr):
 *   a safety net, so that no reader, in this process or another, is ever told of a frame that is
 *   not in the file;
 * - before anything else touches the WAL file (a read, a sync, a truncation, its size, a lock, a
 *   file control, closing it), and when a write is not contiguous or the buffer is full.
 *
 * A connection is used by one thread at a time (better-sqlite3 keeps each on the thread that opened
 * it) and a commit runs within one call, so the files with buffered writes are kept in a
 * thread-local list: a barrier flushes the writes of the commit running on its own thread, never
 * another thread's. A write that fails at a flush fails the call that flushed; a barrier cannot
 * report an error, so a failure there is kept and returned by the next operation on the WAL file.
 *
 * Durability is unchanged: with synchronous = NORMAL SQLite does not sync the WAL at a commit
 * either, and every frame reaches the operating system before the commit returns.
 */
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

#include <stdlib.h>
#include <string.h>

#define SHIM_NAME "parley-wal-coalesce"
/* SQLite's unix VFS writes at most 128 KiB - 1 per call (seekAndWrite masks the length with
   0x1ffff) and reports a longer write as a full disk: hand over at most 120 KiB at a time. */
#define BUFFER_BYTES (120 * 1024)

typedef struct ShimFile ShimFile;
struct ShimFile {
  sqlite3_file base;       /* must be first: SQLite sees this */
  sqlite3_file *real;      /* the platform VFS's file, allocated right after this struct */
  int isWal;
  unsigned char *buffer;   /* writes not yet handed to the real file */
  int buffered;            /* bytes in buffer */
  sqlite3_int64 bufferAt;  /* file offset of buffer[0] */
  int failed;              /* an error code a barrier could not return */
  int commitPageNext;      /* the last write was a commit frame's header: its page ends the commit */
  ShimFile *nextPending;   /* this thread's list of files with buffered writes */
  int onList;
};

static sqlite3_vfs *realVfs = 0;
static const sqlite3_io_methods shimMethods;
static _Thread_local ShimFile *pendingFiles = 0;

static int handOver(ShimFile *f) {
  int rc = SQLITE_OK;
  if (f->buffered > 0) {
    rc = f->real->pMethods->xWrite(f->real, f->buffer, f->buffered, f->bufferAt);
    f->buffered = 0;
    if (rc != SQLITE_OK && f->failed == SQLITE_OK) f->failed = rc;
  }
  if (f->onList) {
    ShimFile **p = &pendingFiles;
    while (*p && *p != f) p = &(*p)->nextPending;
    if (*p) *p = f->nextPending;
    f->nextPending = 0;
    f->onList = 0;
  }
  return rc;
}

/* Flushes a WAL file before another operation on it; returns an error kept from a barrier. */
static int settled(ShimFile *f) {
  int rc;
  if (!f->isWal) return SQLITE_OK;
  handOver(f);
  rc = f->failed;
  f->failed = SQLITE_OK;
  return rc;
}

/* The operations that must see the WAL file as SQLite left it: what is buffered is handed over first. */
#define HAND_OVER_THEN(call)                            \
  do {                                                  \
    ShimFile *f = (ShimFile *)file;                     \
    int rc = settled(f);                                \
    if (rc != SQLITE_OK) return rc;                     \
    return f->real->pMethods->call;                     \
  } while (0)

static void handOverThisThread(void) {
  while (pendingFiles) handOver(pendingFiles);
}

static int shimClose(sqlite3_file *file) {
  ShimFile *f = (ShimFile *)file;
  int rc = settled(f);
  int closed = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  free(f->buffer);
  f->buffer = 0;
  return rc != SQLITE_OK ? rc : closed;
}

static int shimRead(sqlite3_file *file, void *out, int amount, sqlite3_int64 offset) {
  HAND_OVER_THEN(xRead(f->real, out, amount, offset));
}

/*
 * A WAL frame's 24-byte header (after the file's 32-byte header) whose bytes 4 to 7, the database's
 * size in pages after the commit, are not zero: the header of a commit's last frame.
 */
static int isCommitFrameHeader(const void *data, int amount, sqlite3_int64 offset) {
  const unsigned char *b = (const unsigned char *)data;
  return amount == 24 && offset >= 32 && (b[4] | b[5] | b[6] | b[7]) != 0;
}

static int shimWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
  ShimFile *f = (ShimFile *)file;
  if (!f->isWal) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  if (f->failed != SQLITE_OK) return settled(f);
  if (f->buffered > 0 && (offset != f->bufferAt + f->buffered || f->buffered + amount > BUFFER_BYTES)) {
    int rc = settled(f);
    if (rc != SQLITE_OK) return rc;
  }
  if (amount > BUFFER_BYTES) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  if (!f->buffer) {
    f->buffer = malloc(BUFFER_BYTES);
    if (!f->buffer) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  }
  if (f->buffered == 0) f->bufferAt = offset;
  memcpy(f->buffer + f->buffered, data, (size_t)amount);
  f->buffered += amount;
  if (f->commitPageNext) {
    /* The commit's last frame is complete: hand the commit over now, so that a failed write fails
       the commit itself, exactly where SQLite's own write of that page would have. */
    f->commitPageNext = 0;
    return settled(f);
  }
  f->commitPageNext = isCommitFrameHeader(data, amount, offset);
  if (!f->onList) {
    f->nextPending = pendingFiles;
    pendingFiles = f;
    f->onList = 1;
  }
  return SQLITE_OK;
}

static int shimTruncate(sqlite3_file *file, sqlite3_int64 size) { HAND_OVER_THEN(xTruncate(f->real, size)); }
static int shimSync(sqlite3_file *file, int flags) { HAND_OVER_THEN(xSync(f->real, flags)); }
static int shimFileSize(sqlite3_file *file, sqlite3_int64 *size) { HAND_OVER_THEN(xFileSize(f->real, size)); }
static int shimLock(sqlite3_file *file, int level) { HAND_OVER_THEN(xLock(f->real, level)); }
static int shimUnlock(sqlite3_file *file, int level) { HAND_OVER_THEN(xUnlock(f->real, level)); }

static int shimCheckReservedLock(sqlite3_file *file, int *out) {
  ShimFile *f = (ShimFile *)file;
  return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int shimFileControl(sqlite3_file *file, int op, void *arg) {
  ShimFile *f = (ShimFile *)file;
  int rc = settled(f);
  if (rc != SQLITE_OK) return rc;
  if (op == SQLITE_FCNTL_VFSNAME) {
    int passed = f->real->pMethods->xFileControl(f->real, op, arg);
    if (passed == SQLITE_OK && arg) {
      char *inner = *(char **)arg;
      *(char **)arg = sqlite3_mprintf("%s/%z", SHIM_NAME, inner);
    }
    return passed;
  }
  return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int shimSectorSize(sqlite3_file *file) {
  ShimFile *f = (ShimFile *)file;
  return f->real->pMethods->xSectorSize(f->real);
}

static int shimDeviceCharacteristics(sqlite3_file *file) {
  ShimFile *f = (ShimFile *)file;
  return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int shimShmMap(sqlite3_file *file, int region, int size, int extend, void volatile **out) {
  ShimFile *f = (ShimFile *)file;
  return f->real->pMethods->xShmMap(f->real, region, size, extend, out);
}

static int shimShmLock(sqlite3_file *file, int offset, int n, int flags) {
  ShimFile *f = (ShimFile *)file;
  handOverThisThread();
  return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void shimShmBarrier(sqlite3_file *file) {
  ShimFile *f = (ShimFile *)file;
  handOverThisThread(); /* the frames of the commit about to be published */
  f->real->pMethods->xShmBarrier(f->real);
}

static int shimShmUnmap(sqlite3_file *file, int deleteFlag) {
  ShimFile *f = (ShimFile *)file;
  handOverThisThread();
  return f->real->pMethods->xShmUnmap(f->real, deleteFlag);
}

static int shimFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
  HAND_OVER_THEN(xFetch(f->real, offset, amount, out));
}

static int shimUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *page) {
  ShimFile *f = (ShimFile *)file;
  return f->real->pMethods->xUnfetch(f->real, offset, page);
}

static int shimOpen(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *outFlags) {
  ShimFile *f = (ShimFile *)file;
  int rc;
  (void)vfs;
  memset(f, 0, sizeof(*f));
  f->real = (sqlite3_file *)&f[1];
  rc = realVfs->xOpen(realVfs, name, f->real, flags, outFlags);
  if (rc != SQLITE_OK || !f->real->pMethods) {
    /* SQLite calls xClose only if pMethods is set: leave it unset when the real open failed. */
    f->base.pMethods = 0;
    return rc;
  }
  f->isWal = (flags & SQLITE_OPEN_WAL) != 0;
  f->base.pMethods = &shimMethods;
  return SQLITE_OK;
}

/* The VFS's other methods are the platform's own. */
static int shimDelete(sqlite3_vfs *v, const char *n, int s) { (void)v; return realVfs->xDelete(realVfs, n, s); }
static int shimAccess(sqlite3_vfs *v, const char *n, int f, int *o) { (void)v; return realVfs->xAccess(realVfs, n, f, o); }
static int shimFullPathname(sqlite3_vfs *v, const char *n, int k, char *o) { (void)v; return realVfs->xFullPathname(realVfs, n, k, o); }
static void *shimDlOpen(sqlite3_vfs *v, const char *n) { (void)v; return realVfs->xDlOpen(realVfs, n); }
static void shimDlError(sqlite3_vfs *v, int k, char *o) { (void)v; realVfs->xDlError(realVfs, k, o); }
static void (*shimDlSym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return realVfs->xDlSym(realVfs, h, s); }
static void shimDlClose(sqlite3_vfs *v, void *h) { (void)v; realVfs->xDlClose(realVfs, h); }
static int shimRandomness(sqlite3_vfs *v, int n, char *o) { (void)v; return realVfs->xRandomness(realVfs, n, o); }
static int shimSleep(sqlite3_vfs *v, int us) { (void)v; return realVfs->xSleep(realVfs, us); }
static int shimCurrentTime(sqlite3_vfs *v, double *o) { (void)v; return realVfs->xCurrentTime(realVfs, o); }
static int shimGetLastError(sqlite3_vfs *v, int n, char *o) { (void)v; return realVfs->xGetLastError(realVfs, n, o); }
static int shimCurrentTimeInt64(sqlite3_vfs *v, sqlite3_int64 *o) { (void)v; return realVfs->xCurrentTimeInt64(realVfs, o); }

static const sqlite3_io_methods shimMethods = {
  .iVersion = 3,
  .xClose = shimClose,
  .xRead = shimRead,
  .xWrite = shimWrite,
  .xTruncate = shimTruncate,
  .xSync = shimSync,
  .xFileSize = shimFileSize,
  .xLock = shimLock,
  .xUnlock = shimUnlock,
  .xCheckReservedLock = shimCheckReservedLock,
  .xFileControl = shimFileControl,
  .xSectorSize = shimSectorSize,
  .xDeviceCharacteristics = shimDeviceCharacteristics,
  .xShmMap = shimShmMap,
  .xShmLock = shimShmLock,
  .xShmBarrier = shimShmBarrier,
  .xShmUnmap = shimShmUnmap,
  .xFetch = shimFetch,
  .xUnfetch = shimUnfetch,
};

/* szOsFile and mxPathname are the platform VFS's, set when the extension loads. */
static sqlite3_vfs shimVfs = {
  .iVersion = 2,
  .zName = SHIM_NAME,
  .xOpen = shimOpen,
  .xDelete = shimDelete,
  .xAccess = shimAccess,
  .xFullPathname = shimFullPathname,
  .xDlOpen = shimDlOpen,
  .xDlError = shimDlError,
  .xDlSym = shimDlSym,
  .xDlClose = shimDlClose,
  .xRandomness = shimRandomness,
  .xSleep = shimSleep,
  .xCurrentTime = shimCurrentTime,
  .xGetLastError = shimGetLastError,
  .xCurrentTimeInt64 = shimCurrentTimeInt64,
};

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_walcoalesce_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  (void)db;
  SQLITE_EXTENSION_INIT2(api);
  if (sqlite3_vfs_find(SHIM_NAME)) return SQLITE_OK_LOAD_PERMANENTLY; /* loaded once per process */
  realVfs = sqlite3_vfs_find(0);
  if (!realVfs || realVfs->iVersion < 2) {
    if (error) *error = sqlite3_mprintf("%s: the default VFS is too old to wrap", SHIM_NAME);
    return SQLITE_ERROR;
  }
  shimVfs.szOsFile = (int)sizeof(ShimFile) + realVfs->szOsFile;
  shimVfs.mxPathname = realVfs->mxPathname;
  {
    int rc = sqlite3_vfs_register(&shimVfs, 1);
    return rc == SQLITE_OK ? SQLITE_OK_LOAD_PERMANENTLY : rc;
  }
}
