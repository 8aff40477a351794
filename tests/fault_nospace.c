/*
 * fault_nospace.c - an LD_PRELOAD library for itest_faults: while the file
 * named by $RS_FAULT_NOSPACE_FLAG exists, pwrite(2) and pwrite64 fail with
 * ENOSPC without writing; otherwise they are the C library's.
 *
 * SQLite writes its database and WAL with pwrite64 only, and the server's
 * log goes to stderr with write(2), so a test gets a disk that is full for
 * the database while the log still tells what happened (RLIMIT_FSIZE would
 * stop both).  Built without sanitizers (it is loaded before their
 * runtimes).
 *
 * Does not: touch write(2) or any other call, or fail a write while the flag
 * is absent.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off);

static int faulted(void)
{
    const char *flag = getenv("RS_FAULT_NOSPACE_FLAG");

    return flag && access(flag, F_OK) == 0;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    ssize_t (*real)(int, const void *, size_t, off_t) =
        (ssize_t (*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");

    if (faulted()) {
        errno = ENOSPC;
        return -1;
    }
    return real ? real(fd, buf, n, off) : -1;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
    ssize_t (*real)(int, const void *, size_t, off64_t) =
        (ssize_t (*)(int, const void *, size_t, off64_t))dlsym(RTLD_NEXT, "pwrite64");

    if (faulted()) {
        errno = ENOSPC;
        return -1;
    }
    return real ? real(fd, buf, n, off) : -1;
}
