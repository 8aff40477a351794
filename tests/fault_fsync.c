/*
 * fault_fsync.c - an LD_PRELOAD library for itest_faults: while the file
 * named by $RS_FAULT_FSYNC_FLAG exists, fdatasync(2) and fsync(2) fail with
 * EIO without syncing; otherwise they are the C library's.
 *
 * Lets a test make the disk refuse to sync under a running resettled, which
 * no rlimit or permission can do.  Built without sanitizers (it is loaded
 * before their runtimes).
 *
 * Does not: touch any other call, or fail a sync while the flag is absent.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int fdatasync(int fd);
int fsync(int fd);

static int faulted(void)
{
    const char *flag = getenv("RS_FAULT_FSYNC_FLAG");

    return flag && access(flag, F_OK) == 0;
}

int fdatasync(int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");

    if (faulted()) {
        errno = EIO;
        return -1;
    }
    return real ? real(fd) : -1;
}

int fsync(int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

    if (faulted()) {
        errno = EIO;
        return -1;
    }
    return real ? real(fd) : -1;
}
