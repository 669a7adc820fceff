/*
 * time.c — RFC 3339 timestamps as microseconds since the epoch.
 */
#include <stdio.h>
#include <time.h>

#include "solidarity/error.h"
#include "solidarity/util.h"

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool
is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
days_in_month(int64_t y, unsigned m)
{
    static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Read exactly k digits at s[*i]; returns -1 when they are not all digits. */
static long
digits(const char *s, size_t n, size_t *i, unsigned k)
{
    long v = 0;
    for (unsigned j = 0; j < k; j++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9')
            return -1;
        v = v * 10 + (s[(*i)++] - '0');
    }
    return v;
}

static int
time_fail(const char **why, const char *reason)
{
    if (why)
        *why = reason;
    return SOL_ESYNTAX;
}

/* RFC 3339 §5.6: date-time = full-date "T" full-time */
int
sol_time_parse(const char *s, size_t n, unsigned flags, sol_time_t *out, unsigned *precision,
               const char **why)
{
    size_t i = 0;
    long y = digits(s, n, &i, 4);
    if (y < 0 || i >= n || s[i++] != '-')
        return time_fail(why, "expected a year as YYYY-");
    long mo = digits(s, n, &i, 2);
    if (mo < 1 || mo > 12 || i >= n || s[i++] != '-')
        return time_fail(why, "expected a month from 01 to 12");
    long d = digits(s, n, &i, 2);
    if (d < 1 || (unsigned long)d > days_in_month(y, (unsigned)mo))
        return time_fail(why, "day out of range for the month");
    if (i >= n || !(s[i] == 'T' || (s[i] == 't' && (flags & SOL_TIME_ALLOW_LOWER))))
        return time_fail(why, "expected 'T' between the date and the time");
    i++;
    long h = digits(s, n, &i, 2);
    if (h < 0 || h > 23 || i >= n || s[i++] != ':')
        return time_fail(why, "expected an hour from 00 to 23");
    long mi = digits(s, n, &i, 2);
    if (mi < 0 || mi > 59 || i >= n || s[i++] != ':')
        return time_fail(why, "expected minutes from 00 to 59");
    long se = digits(s, n, &i, 2);
    if (se < 0 || se > 59)
        return time_fail(why, "expected seconds from 00 to 59");
    int64_t micros = 0;
    unsigned prec = 0;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (prec < 6)
                micros = micros * 10 + (s[i] - '0');
            prec++;
            i++;
        }
        if (prec == 0)
            return time_fail(why, "expected digits after '.'");
        for (unsigned k = prec; k < 6; k++)
            micros *= 10;
    }
    if ((flags & SOL_TIME_MILLIS) && prec != 3)
        return time_fail(why, "expected exactly three digits of milliseconds");
    int64_t offset = 0;
    if (i < n && (s[i] == 'Z' || (s[i] == 'z' && (flags & SOL_TIME_ALLOW_LOWER)))) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-') && !(flags & SOL_TIME_UTC_Z)) {
        int sign = s[i++] == '-' ? -1 : 1;
        long oh = digits(s, n, &i, 2);
        if (oh < 0 || oh > 23 || i >= n || s[i++] != ':')
            return time_fail(why, "bad time zone offset");
        long om = digits(s, n, &i, 2);
        if (om < 0 || om > 59)
            return time_fail(why, "bad time zone offset");
        offset = sign * (oh * 3600 + om * 60);
    } else {
        return time_fail(why, (flags & SOL_TIME_UTC_Z) ? "expected 'Z': timestamps must be in UTC"
                                                        : "expected 'Z' or a time zone offset");
    }
    if (i != n)
        return time_fail(why, "unexpected characters after the timestamp");
    int64_t secs = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
                   se - offset;
    *out = secs * 1000000 + micros;
    if (precision)
        *precision = prec;
    return 0;
}

size_t
sol_time_format(sol_time_t t, unsigned digits_wanted, char *buf)
{
    int64_t secs = t / 1000000;
    int64_t us = t % 1000000;
    if (us < 0) {
        us += 1000000;
        secs -= 1;
    }
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int k = snprintf(buf, 32, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y, m, d,
                     (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
    if (digits_wanted == 3)
        k += snprintf(buf + k, 32 - (size_t)k, ".%03u", (unsigned)(us / 1000));
    else if (digits_wanted >= 6)
        k += snprintf(buf + k, 32 - (size_t)k, ".%06u", (unsigned)us);
    buf[k++] = 'Z';
    buf[k] = '\0';
    return (size_t)k;
}

sol_time_t
sol_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (sol_time_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
