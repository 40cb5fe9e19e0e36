/* citizen_id: checks the 12-digit personal identification number (số định
 * danh cá nhân, printed on the citizen identity card, CCCD / thẻ căn cước):
 * PPP G YY NNNNNN = province-of-birth code, century-and-sex digit, last two
 * digits of the birth year, six serial digits. */
#ifndef MOTCUA_CITIZEN_ID_H
#define MOTCUA_CITIZEN_ID_H

#define CITIZEN_ID_LEN 12
/* Oldest accepted birth year is current_year - CITIZEN_ID_MAX_AGE. */
#define CITIZEN_ID_MAX_AGE 130

#define CITIZEN_ID_EINVAL (-1)   /* NULL string or current_year out of 1900..9999 */
#define CITIZEN_ID_ELEN (-2)     /* not exactly 12 characters */
#define CITIZEN_ID_EDIGIT (-3)   /* a character that is not 0-9 */
#define CITIZEN_ID_EPROVINCE (-4) /* unknown province code */
#define CITIZEN_ID_EYEAR (-5)    /* birth year in the future or too old */

struct citizen_id_info {
    int province_code; /* 1..96, e.g. 38 for Thanh Hóa */
    int birth_year;    /* e.g. 1995 */
    int female;        /* 1 female, 0 male */
};

/* Checks s, a NUL-terminated string of exactly 12 digits (no spaces: the
 * caller trims). current_year bounds the birth year: it may be neither after
 * current_year nor more than CITIZEN_ID_MAX_AGE years before it.
 * Returns 0 and fills *out (if out is not NULL) when valid; otherwise one of
 * the negative CITIZEN_ID_E* codes, and *why (if why is not NULL) points to a
 * static Vietnamese message for the user. */
int citizen_id_check(const char *s, int current_year,
                     struct citizen_id_info *out /* OUT */,
                     const char **why /* OUT: Vietnamese message on failure */);

/* Name of the province with this code in the Ministry of Public Security's
 * list (the 63 provinces as before the 2025 merger, which existing numbers
 * keep), e.g. 38 -> "Thanh Hóa"; NULL for a code that does not exist. The
 * string is static. */
const char *citizen_id_province_name(int code);

#endif
