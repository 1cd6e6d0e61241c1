/* Redis computes INCRBYFLOAT in C `long double` and prints it with "%.17Lf", and prints doubles
 * with "%.17g". Rust has no `long double`, so these few lines give ferrokv the platform's own
 * arithmetic and formatting, which makes replies byte-identical to Redis's on the same machine. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#define MAX_LD_CHARS 5120

/* Parses like Redis's string2ld: the whole string, no leading space, no NaN, no overflow.
 * Returns 1 on success. */
static int parse_ld(const char *s, size_t len, long double *out) {
    char buf[MAX_LD_CHARS];
    char *end;
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    long double v = strtold(buf, &end);
    if (isspace((unsigned char)buf[0]) || *end != '\0' || (size_t)(end - buf) != len ||
        (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO)) ||
        isnan(v))
        return 0;
    *out = v;
    return 1;
}

/* Redis's ld2string in LD_STR_HUMAN mode. Returns the length, or -1. */
static int format_ld(long double v, char *out, size_t cap) {
    int l = snprintf(out, cap, "%.17Lf", v);
    if (l < 0 || (size_t)l + 1 > cap) return -1;
    if (strchr(out, '.') != NULL) {
        char *p = out + l - 1;
        while (*p == '0') { p--; l--; }
        if (*p == '.') l--;
    }
    if (l == 2 && out[0] == '-' && out[1] == '0') { out[0] = '0'; l = 1; }
    out[l] = '\0';
    return l;
}

/* INCRBYFLOAT: 0 ok (result in out, length in *outlen), 1 current value not a float,
 * 2 increment not a float, 3 result NaN or infinite. A missing key is passed as cur_len = 0
 * with has_cur = 0. */
int ferrokv_incrbyfloat(const char *cur, size_t cur_len, int has_cur, const char *incr,
                        size_t incr_len, char *out, size_t cap, size_t *outlen) {
    long double a = 0, b;
    if (has_cur && !parse_ld(cur, cur_len, &a)) return 1;
    if (!parse_ld(incr, incr_len, &b)) return 2;
    a += b;
    if (isnan(a) || isinf(a)) return 3;
    int l = format_ld(a, out, cap);
    if (l < 0) return 3;
    *outlen = (size_t)l;
    return 0;
}

/* Parses a double like Redis's string2d / getDoubleFromObject. Returns 1 on success. */
int ferrokv_parse_double(const char *s, size_t len, double *out) {
    char buf[MAX_LD_CHARS];
    char *end;
    if (len == 0 || len >= sizeof(buf)) return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    double v = strtod(buf, &end);
    if (isspace((unsigned char)buf[0]) || *end != '\0' || (size_t)(end - buf) != len ||
        (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO)) ||
        isnan(v))
        return 0;
    *out = v;
    return 1;
}

/* "%.17g", as Redis 7.0's addReplyDouble. Returns the length. */
int ferrokv_format_g17(double v, char *out, size_t cap) {
    return snprintf(out, cap, "%.17g", v);
}

/* Classifies a `long double` argument as Redis's getLongDoubleFromObject reads it: -1 not a
 * float, 0 finite, 1 infinite (HINCRBYFLOAT refuses infinite increments with its own error). */
int ferrokv_classify_ld(const char *s, size_t len) {
    long double v;
    if (!parse_ld(s, len, &v)) return -1;
    return isinf(v) ? 1 : 0;
}
