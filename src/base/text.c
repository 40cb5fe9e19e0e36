/* text: strict UTF-8 decoding, character counts, and Vietnamese folding
 * (bỏ dấu: diacritics removed) for search keys. */
#include "base/text.h"

#include <string.h>

int text_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char lo = 0x80, hi = 0xBF;
    uint32_t c;
    int n;

    if (!s || len == 0)
        return TEXT_EINVAL;
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
        c = p[0] & 0x1F;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
        c = p[0] & 0x0F;
        if (p[0] == 0xE0)
            lo = 0xA0; /* overlong */
        else if (p[0] == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
        c = p[0] & 0x07;
        if (p[0] == 0xF0)
            lo = 0x90; /* overlong */
        else if (p[0] == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return TEXT_EINVAL; /* continuation byte, C0, C1, F5..FF */
    }
    if (len < (size_t)n)
        return TEXT_EINVAL;
    if (p[1] < lo || p[1] > hi)
        return TEXT_EINVAL;
    c = (c << 6) | (p[1] & 0x3F);
    for (int i = 2; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return TEXT_EINVAL;
        c = (c << 6) | (p[i] & 0x3F);
    }
    *cp = c;
    return n;
}

int text_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    uint32_t cp;

    if (!s)
        return 0;
    while (i < len) {
        int n = text_utf8_decode(s + i, len - i, &cp);
        if (n < 0)
            return 0;
        i += (size_t)n;
    }
    return 1;
}

size_t text_utf8_chars(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;

    if (!s)
        return 0;
    for (; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        /* U+0300–U+036F is CC 80..CD AF: combining marks add no character */
        if (*p == 0xCC && (p[1] & 0xC0) == 0x80)
            continue;
        if (*p == 0xCD && p[1] >= 0x80 && p[1] <= 0xAF)
            continue;
        n++;
    }
    return n;
}

/* Base letters for U+00C0..U+00FF; 0 keeps the character as it is. */
static const char latin1_base[64] = {
    'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', /* C0 À..Ç */
    'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', /* C8 È..Ï */
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   /* D0 Ð..× */
    'o', 'u', 'u', 'u', 'u', 'y', 0,   0,   /* D8 Ø..ß */
    'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', /* E0 à..ç */
    'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i', /* E8 è..ï */
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   /* F0 ð..÷ */
    'o', 'u', 'u', 'u', 'u', 'y', 0,   'y', /* F8 ø..ÿ */
};

/* The ASCII letter a code point folds to, 0 if it is kept, -1 if it is
 * dropped (a combining mark). */
static int fold_cp(uint32_t cp)
{
    if (cp >= 0xC0 && cp <= 0xFF)
        return latin1_base[cp - 0xC0];
    switch (cp) {
    case 0x102: case 0x103: return 'a'; /* Ă ă */
    case 0x110: case 0x111: return 'd'; /* Đ đ */
    case 0x128: case 0x129: return 'i'; /* Ĩ ĩ */
    case 0x168: case 0x169: return 'u'; /* Ũ ũ */
    case 0x1A0: case 0x1A1: return 'o'; /* Ơ ơ */
    case 0x1AF: case 0x1B0: return 'u'; /* Ư ư */
    default: break;
    }
    if (cp >= 0x300 && cp <= 0x36F)
        return -1;
    /* Latin Extended Additional: the Vietnamese tone-marked vowels, in
     * alphabetical runs of upper/lower pairs. */
    if (cp >= 0x1EA0 && cp <= 0x1EB7)
        return 'a';
    if (cp >= 0x1EB8 && cp <= 0x1EC7)
        return 'e';
    if (cp >= 0x1EC8 && cp <= 0x1ECB)
        return 'i';
    if (cp >= 0x1ECC && cp <= 0x1EE3)
        return 'o';
    if (cp >= 0x1EE4 && cp <= 0x1EF1)
        return 'u';
    if (cp >= 0x1EF2 && cp <= 0x1EF9)
        return 'y';
    return 0;
}

static int is_space_cp(uint32_t cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x3000;
}

int text_fold(const char *utf8, char *out, size_t cap)
{
    size_t len, i = 0, o = 0;
    int pending_space = 0;
    int rc = 0;

    if (!utf8 || !out || cap == 0)
        return !utf8 ? TEXT_EINVAL : TEXT_ENOSPC;
    len = strlen(utf8);
    if (len >= (size_t)INT32_MAX) { /* the length must fit the int result */
        rc = TEXT_ENOSPC;
        goto out;
    }
    while (i < len) {
        uint32_t cp;
        int n = text_utf8_decode(utf8 + i, len - i, &cp);
        int base;
        size_t need;

        if (n < 0) {
            rc = TEXT_EINVAL;
            goto out;
        }
        if (is_space_cp(cp)) {
            pending_space = o > 0;
            i += (size_t)n;
            continue;
        }
        base = fold_cp(cp);
        if (base < 0) { /* combining mark: dropped, does not end a space run */
            i += (size_t)n;
            continue;
        }
        need = (size_t)(base ? 1 : n) + (pending_space ? 1 : 0);
        if (o + need + 1 > cap) {
            rc = TEXT_ENOSPC;
            goto out;
        }
        if (pending_space)
            out[o++] = ' ';
        pending_space = 0;
        if (base)
            out[o++] = (char)base;
        else if (cp >= 'A' && cp <= 'Z')
            out[o++] = (char)(cp - 'A' + 'a');
        else {
            memcpy(out + o, utf8 + i, (size_t)n);
            o += (size_t)n;
        }
        i += (size_t)n;
    }
    out[o] = '\0';
    rc = (int)o;
out:
    if (rc < 0)
        out[0] = '\0';
    return rc;
}

int text_like_contains(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    if (cap < 3)
        return -1;
    out[n++] = '%';
    for (; *s; s++) {
        if (n + 4 > cap)
            return -1;
        if (*s == '%' || *s == '_' || *s == '\\')
            out[n++] = '\\';
        out[n++] = *s;
    }
    out[n++] = '%';
    out[n] = '\0';
    return 0;
}
