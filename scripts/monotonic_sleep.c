/* A sleep that libfaketime leaves alone, for scripts/clock-sweep.
 *
 * Python's time.sleep() waits with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, ...).
 * Debian's libfaketime 0.9.10 shifts that absolute deadline by the fake offset even with
 * FAKETIME_DONT_FAKE_MONOTONIC=1, so every sleep fails with EINVAL (or waits for days).
 * Loaded before libfaketime, this sends sleeps on every clock but the wall clock straight to
 * the kernel; sleeps on the wall clock still go through libfaketime, which fakes that clock.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t clock, int flags, const struct timespec *request,
                    struct timespec *remaining)
{
    static int (*faked)(clockid_t, int, const struct timespec *, struct timespec *);

    if (clock != CLOCK_REALTIME) {
        return syscall(SYS_clock_nanosleep, clock, flags, request, remaining) == 0 ? 0 : errno;
    }
    if (!faked) {
        faked = (int (*)(clockid_t, int, const struct timespec *, struct timespec *))dlsym(
            RTLD_NEXT, "clock_nanosleep");
    }
    return faked(clock, flags, request, remaining);
}
