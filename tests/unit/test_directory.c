/* The directory of nodes: its JSON's checks and limits, lookups by unit
 * and by certificate, the CMS signature with the demo province's seal,
 * who may sign it, expiry, and the cache that never goes back to an older
 * version. */
#include <jansson.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dynbuf.h"
#include "base/util.h"
#include "exchange/directory.h"
#include "sign/keys.h"
#include "sign/signer.h"

#include "fixture.h"
#include "harness.h"
#include "testca.h"

#define PROVINCE FX_PROVINCE
#define DEPT "000.00.04.H56" /* Sở Tài chính: a demo unit with a seal */

static X509 *node_cert[4];
static EVP_PKEY *node_key[4];

/* The dates of the test directories: issued a day before now, expiring a
 * year after it (the demo certificates are valid around the real clock,
 * so the tests follow it); and an hour ago, for an expired one. */
static char ISSUED[32], EXPIRES[32], PAST[32];
static int64_t t_issued, t_expires, t_now;

static void utc_text(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *node_json(const char *id, const char *level, const char *address, int hub,
                         const char *upstream, int cert, const char *unit1, const char *unit2)
{
    char *pem = tc_pem(node_cert[cert]);
    json_t *units = json_array();
    if (unit1)
        json_array_append_new(units, json_string(unit1));
    if (unit2)
        json_array_append_new(units, json_string(unit2));
    json_t *n = json_pack("{s:s,s:s,s:s,s:s,s:b,s:o,s:s,s:o}", "id", id, "name", "Nút thử",
                          "address", address, "level", level, "hub", hub, "upstream",
                          upstream ? json_string(upstream) : json_null(), "certificate", pem,
                          "units", units);
    free(pem);
    return n;
}

/* The four nodes of the tests: the axis, the province hub, a department,
 * a commune hosting two communes' units. */
static json_t *good_doc(int64_t version)
{
    json_t *nodes = json_array();
    json_array_append_new(nodes, node_json("national", "national", "https://truc.gov.vn", 1, NULL,
                                           0, "000.00.00.G01", NULL));
    json_array_append_new(nodes, node_json("lgsp", "province", "http://127.0.0.1:8443/api", 1,
                                           "national", 1, PROVINCE, NULL));
    json_array_append_new(nodes, node_json("so-tai-chinh", "department",
                                           "https://stc.thanhhoa.gov.vn:8443", 0, "lgsp", 2, DEPT,
                                           NULL));
    json_array_append_new(nodes, node_json("hac-thanh", "commune", "https://hacthanh.example.vn",
                                           0, "lgsp", 3, FX_COMMUNE, FX_COMMUNE2));
    return json_pack("{s:I,s:s,s:s,s:s,s:o}", "version", (json_int_t)version, "issued_at", ISSUED,
                     "expires_at", EXPIRES, "issuer", PROVINCE, "nodes", nodes);
}

/* Parses j (consumed); returns the refusal's code, or "ok". */
static const char *parse_code(json_t *j, struct directory *out)
{
    static struct derr err;
    struct directory d;
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    derr_clear(&err);
    int rc = directory_parse(s, strlen(s), out ? out : &d, &err);
    free(s);
    if (rc == 0 && !out)
        directory_free(&d);
    return rc ? err.code : "ok";
}

static json_t *node_at(json_t *doc, size_t i)
{
    return json_array_get(json_object_get(doc, "nodes"), i);
}

TEST(parse_good_and_lookups)
{
    struct directory d;
    CHECK_EQ_STR(parse_code(good_doc(3), &d), "ok");
    CHECK_EQ_INT(d.version, 3);
    CHECK_EQ_INT(d.issued_at, t_issued);
    CHECK_EQ_INT(d.expires_at, t_expires);
    CHECK_EQ_STR(d.issuer, PROVINCE);
    CHECK_EQ_INT(d.nnodes, 4);
    const struct directory_node *n = directory_node_for_unit(&d, FX_COMMUNE2);
    CHECK(n && strcmp(n->id, "hac-thanh") == 0);
    n = directory_node_for_unit(&d, DEPT);
    CHECK(n && strcmp(n->id, "so-tai-chinh") == 0 && strcmp(n->upstream, "lgsp") == 0 &&
          !n->hub && strcmp(n->level, "department") == 0);
    n = directory_node_for_unit(&d, PROVINCE);
    CHECK(n && n->hub && strcmp(n->address, "http://127.0.0.1:8443/api") == 0);
    CHECK(directory_node_for_unit(&d, "000.03.90.H56") == NULL);
    CHECK(directory_node_for_unit(&d, "000.01.90") == NULL); /* a prefix is not the code */

    /* by certificate: PEM and DER of the department node's; another one is not listed */
    char *pem = tc_pem(node_cert[2]);
    n = directory_node_for_cert(&d, pem, strlen(pem));
    CHECK(n && strcmp(n->id, "so-tai-chinh") == 0);
    free(pem);
    unsigned char *der = NULL;
    int dl = i2d_X509(node_cert[3], &der);
    n = directory_node_for_cert(&d, der, (size_t)dl);
    CHECK(n && strcmp(n->id, "hac-thanh") == 0);
    CHECK(directory_node_for_cert(&d, der, (size_t)dl - 1) == NULL); /* cut short */
    OPENSSL_free(der);
    EVP_PKEY *k = tc_key();
    X509 *other = tc_cert(k, "node lạ", "Lạ", NULL, k, t_issued, t_expires, TC_SIGN);
    pem = tc_pem(other);
    CHECK(directory_node_for_cert(&d, pem, strlen(pem)) == NULL);
    CHECK(directory_node_for_cert(&d, "not a certificate", 17) == NULL);
    free(pem);
    X509_free(other);
    EVP_PKEY_free(k);
    directory_free(&d);
}

TEST(parse_refusals)
{
    json_t *j;
    struct derr err = {0};
    struct directory d;
    CHECK(directory_parse("{", 1, &d, &err) == -1 && strcmp(err.code, "not_json") == 0);
    CHECK(directory_parse("[]", 2, &d, &err) == -1 && strcmp(err.code, "not_json") == 0);
    /* a key twice: two readers could see two different directories */
    const char *dup = "{\"version\":1,\"version\":2}";
    CHECK(directory_parse(dup, strlen(dup), &d, &err) == -1 && strcmp(err.code, "not_json") == 0);
    CHECK(directory_parse("{}", DIRECTORY_MAX_SIZE + 1, &d, &err) == -1 &&
          strcmp(err.code, "too_large") == 0);

    j = good_doc(0);
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_set_new(j, "version", json_string("1"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_set_new(j, "issued_at", json_string("2026-02-31T00:00:00Z"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_set_new(j, "issued_at", json_string("2026-12-01 00:00:00")); /* no T, no Z */
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_set_new(j, "expires_at", json_string(ISSUED)); /* not after issued_at */
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_del(j, "issuer");
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_set_new(j, "nodes", json_array());
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");

    /* node fields */
    const char *bad_addresses[] = {
        "http://lgsp.thanhhoa.gov.vn",   /* plain http off loopback */
        "ftp://127.0.0.1/",              /* another scheme */
        "https://user@lgsp.gov.vn/",     /* user info */
        "https://lgsp.gov.vn/?x=1",      /* a query */
        "https://lgsp.gov.vn:70000/",    /* port out of range */
        "https://",                      /* no host */
        "https://lgsp.gov.vn/a b",       /* a space */
        "http://127.0.0.1.evil.vn/",     /* looks like loopback, is not */
    };
    for (size_t i = 0; i < sizeof bad_addresses / sizeof *bad_addresses; i++) {
        j = good_doc(1);
        json_object_set_new(node_at(j, 2), "address", json_string(bad_addresses[i]));
        const char *c = parse_code(j, NULL);
        if (strcmp(c, "bad_field") != 0)
            printf("  address %s: %s\n", bad_addresses[i], c);
        CHECK_EQ_STR(c, "bad_field");
    }
    const char *good_addresses[] = {"http://localhost:9000", "http://[::1]:8080/x",
                                    "https://10.0.0.5:8443/lgsp"};
    for (size_t i = 0; i < sizeof good_addresses / sizeof *good_addresses; i++) {
        j = good_doc(1);
        json_object_set_new(node_at(j, 2), "address", json_string(good_addresses[i]));
        CHECK_EQ_STR(parse_code(j, NULL), "ok");
    }
    j = good_doc(1);
    json_object_set_new(node_at(j, 1), "id", json_string("LGSP"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_set_new(node_at(j, 1), "level", json_string("district"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_set_new(node_at(j, 1), "hub", json_integer(1));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_set_new(node_at(j, 1), "certificate", json_string("-----BEGIN CERTIFICATE-----"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    char name[300];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = 0;
    json_object_set_new(node_at(j, 1), "name", json_string(name)); /* over 255 bytes */
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_object_set_new(node_at(j, 1), "name", json_string("a\nb"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
    j = good_doc(1);
    json_array_append_new(json_object_get(node_at(j, 1), "units"), json_string("h56; drop"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_field");
}

TEST(parse_uniqueness)
{
    json_t *j = good_doc(1);
    json_object_set_new(node_at(j, 3), "id", json_string("so-tai-chinh"));
    CHECK_EQ_STR(parse_code(j, NULL), "duplicate_node");
    /* a unit listed by two nodes: which would receive its documents? */
    j = good_doc(1);
    json_array_append_new(json_object_get(node_at(j, 3), "units"), json_string(DEPT));
    CHECK_EQ_STR(parse_code(j, NULL), "duplicate_unit");
    j = good_doc(1);
    json_array_append_new(json_object_get(node_at(j, 3), "units"), json_string(FX_COMMUNE));
    CHECK_EQ_STR(parse_code(j, NULL), "duplicate_unit");
    /* one certificate for two nodes: a connection would not say which */
    j = good_doc(1);
    json_object_set(node_at(j, 3), "certificate", json_object_get(node_at(j, 2), "certificate"));
    CHECK_EQ_STR(parse_code(j, NULL), "duplicate_certificate");
    j = good_doc(1);
    json_object_set_new(node_at(j, 2), "upstream", json_string("khong-co"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_upstream");
    j = good_doc(1);
    json_object_set_new(node_at(j, 2), "upstream", json_string("so-tai-chinh")); /* itself */
    CHECK_EQ_STR(parse_code(j, NULL), "bad_upstream");
    /* messages go up through hubs only: a commune is no upstream */
    j = good_doc(1);
    json_object_set_new(node_at(j, 2), "upstream", json_string("hac-thanh"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_upstream");
    /* a loop of hubs has no top */
    j = good_doc(1);
    json_object_set_new(node_at(j, 0), "upstream", json_string("lgsp"));
    CHECK_EQ_STR(parse_code(j, NULL), "bad_upstream");
}

/* The route of a message between the four nodes of good_doc: up through
 * the province hub to the axis, down from the hub to its nodes. */
TEST(next_hops)
{
    struct directory d;
    CHECK_EQ_STR(parse_code(good_doc(1), &d), "ok");
    const struct directory_node *national = directory_node_by_id(&d, "national"),
                                *lgsp = directory_node_by_id(&d, "lgsp"),
                                *dept = directory_node_by_id(&d, "so-tai-chinh"),
                                *commune = directory_node_by_id(&d, "hac-thanh");
    CHECK(national && lgsp && dept && commune);
    CHECK(directory_node_by_id(&d, "khong-co") == NULL);
    /* the commune: everything through its hub */
    CHECK(directory_next_hop(&d, "hac-thanh", dept) == lgsp);
    CHECK(directory_next_hop(&d, "hac-thanh", lgsp) == lgsp);
    CHECK(directory_next_hop(&d, "hac-thanh", national) == lgsp);
    /* the hub: down to its own, up for the rest */
    CHECK(directory_next_hop(&d, "lgsp", dept) == dept);
    CHECK(directory_next_hop(&d, "lgsp", commune) == commune);
    CHECK(directory_next_hop(&d, "lgsp", national) == national);
    /* the axis: down through the province */
    CHECK(directory_next_hop(&d, "national", commune) == lgsp);
    CHECK(directory_next_hop(&d, "national", lgsp) == lgsp);
    /* nowhere to go */
    CHECK(directory_next_hop(&d, "hac-thanh", commune) == NULL);
    CHECK(directory_next_hop(&d, "khong-co", dept) == NULL);
    CHECK(directory_next_hop(&d, "lgsp", NULL) == NULL);
    directory_free(&d);

    /* a flat directory (no hubs): straight to the recipient's node */
    json_t *j = good_doc(1);
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(node_at(j, i), "upstream", json_null());
    CHECK_EQ_STR(parse_code(j, &d), "ok");
    CHECK(directory_next_hop(&d, "hac-thanh", directory_node_by_id(&d, "so-tai-chinh")) ==
          directory_node_by_id(&d, "so-tai-chinh"));
    directory_free(&d);
}

TEST(parse_limits)
{
    /* more nodes than allowed: refused before any is read */
    json_t *j = good_doc(1);
    json_t *nodes = json_object_get(j, "nodes");
    while (json_array_size(nodes) <= DIRECTORY_MAX_NODES)
        json_array_append_new(nodes, json_object());
    CHECK_EQ_STR(parse_code(j, NULL), "too_large");
    /* more units on one node than allowed */
    j = good_doc(1);
    json_t *units = json_object_get(node_at(j, 3), "units");
    char code[32];
    for (int i = 0; json_array_size(units) <= DIRECTORY_MAX_UNITS_PER_NODE; i++) {
        snprintf(code, sizeof code, "%03d.%02d.90.H56", i % 1000, i / 1000);
        json_array_append_new(units, json_string(code));
    }
    CHECK_EQ_STR(parse_code(j, NULL), "too_large");
    /* exactly the limit is fine */
    j = good_doc(1);
    units = json_object_get(node_at(j, 3), "units");
    json_array_clear(units);
    for (int i = 0; json_array_size(units) < DIRECTORY_MAX_UNITS_PER_NODE; i++) {
        snprintf(code, sizeof code, "%03d.%02d.90.H56", i % 1000, i / 1000 + 10);
        json_array_append_new(units, json_string(code));
    }
    CHECK_EQ_STR(parse_code(j, NULL), "ok");
}

/* j (consumed) as text. */
static char *text_of(json_t *j, size_t *len)
{
    char *s = json_dumps(j, JSON_INDENT(1));
    json_decref(j);
    *len = strlen(s);
    return s;
}

static struct signer *seal_of(const char *code)
{
    struct signer *s = NULL;
    struct derr err = {0};
    if (keys_signer(fx_db, fx_dir, fx_unit(code), 0, now_unix(), &s, &err))
        printf("  no seal for %s: %s\n", code, err.message);
    return s;
}

/* A CMS like directory_sign's, but by any signer: what a forger, or a
 * unit that is not the province, could make with OpenSSL. */
static unsigned char *raw_sign(const char *src, size_t len, const struct signer *s,
                               size_t *outlen)
{
    BIO *in = BIO_new_mem_buf(src, (int)len), *mem = BIO_new(BIO_s_mem());
    CMS_ContentInfo *cms = CMS_sign(s->cert, s->key, s->chain, in, CMS_BINARY);
    unsigned char *out = NULL;
    if (cms && i2d_CMS_bio(mem, cms) == 1) {
        char *p;
        long n = BIO_get_mem_data(mem, &p);
        out = malloc((size_t)n);
        memcpy(out, p, (size_t)n);
        *outlen = (size_t)n;
    }
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    BIO_free(mem);
    return out;
}

static const char *verify_code(const unsigned char *cms, size_t len, X509_STORE *anchors,
                               const char *province, int64_t now)
{
    static struct derr err;
    struct directory d;
    derr_clear(&err);
    int rc = directory_verify(cms, len, anchors, province, now, &d, NULL, &err);
    directory_free(&d);
    return rc ? err.code : "ok";
}

TEST(sign_and_verify)
{
    struct signer *prov = seal_of(PROVINCE), *commune = seal_of(FX_COMMUNE);
    X509_STORE *anchors = keys_trust_store(fx_db);
    struct derr err = {0};
    size_t len, slen;
    unsigned char *cms = NULL;
    char *src = text_of(good_doc(5), &len);
    CHECK(prov && commune && anchors);
    if (!prov || !commune || !anchors)
        goto out;
    CHECK(directory_sign(src, len, prov, &cms, &slen, &err) == 0);
    struct directory d;
    struct directory_verdict v;
    CHECK(directory_verify(cms, slen, anchors, PROVINCE, t_now, &d, &v, &err) == 0);
    CHECK_EQ_INT(d.version, 5);
    CHECK_EQ_INT(d.nnodes, 4);
    CHECK(strstr(v.signer, "organizationIdentifier=" PROVINCE) != NULL ||
          strstr(v.signer, PROVINCE) != NULL);
    directory_free(&d);

    CHECK_EQ_STR(verify_code(cms, slen, NULL, PROVINCE, t_now), "untrusted");
    /* expired: at expires_at and after; not yet issued: well before */
    CHECK_EQ_STR(verify_code(cms, slen, anchors, PROVINCE, t_expires), "expired");
    CHECK_EQ_STR(verify_code(cms, slen, anchors, PROVINCE, t_issued - 3600), "not_yet_issued");
    /* a byte of the content changed: the 'version' digit */
    unsigned char *bad = malloc(slen);
    memcpy(bad, cms, slen);
    unsigned char *p = memmem(bad, slen, "\"version\": 5", 12);
    CHECK(p != NULL);
    if (p) {
        p[11] = '9';
        CHECK_EQ_STR(verify_code(bad, slen, anchors, PROVINCE, t_now), "signature_invalid");
    }
    memcpy(bad, cms, slen);
    bad[slen - 10] ^= 1; /* in the signature value */
    const char *c = verify_code(bad, slen, anchors, PROVINCE, t_now);
    CHECK(strcmp(c, "signature_invalid") == 0 || strcmp(c, "not_cms") == 0);
    CHECK_EQ_STR(verify_code((const unsigned char *)src, len, anchors, PROVINCE, t_now),
                 "not_cms");
    free(bad);

    /* the commune's seal cannot sign the province's directory ... */
    unsigned char *o = NULL;
    size_t olen;
    CHECK(directory_sign(src, len, commune, &o, &olen, &err) == -1 &&
          strcmp(err.code, "wrong_signer") == 0 && o == NULL);
    /* ... and one made anyway with OpenSSL is refused */
    unsigned char *forged = raw_sign(src, len, commune, &olen);
    CHECK(forged != NULL);
    if (forged)
        CHECK_EQ_STR(verify_code(forged, olen, anchors, PROVINCE, t_now), "wrong_signer");
    free(forged);
    /* a directory the commune issues itself is well signed, but not the province's */
    json_t *j = good_doc(6);
    json_object_set_new(j, "issuer", json_string(FX_COMMUNE));
    size_t clen;
    char *csrc = text_of(j, &clen);
    CHECK(directory_sign(csrc, clen, commune, &o, &olen, &err) == 0);
    CHECK_EQ_STR(verify_code(o, olen, anchors, PROVINCE, t_now), "wrong_issuer");
    CHECK_EQ_STR(verify_code(o, olen, anchors, NULL, t_now), "ok");
    free(o);
    /* an official's personal key names the unit too, but is a person's */
    struct signer *leader = NULL;
    CHECK(keys_signer(fx_db, fx_dir, fx_unit(FX_COMMUNE), fx_account(FX_LEADER), now_unix(),
                      &leader, &err) == 0);
    if (leader) {
        CHECK(directory_sign(csrc, clen, leader, &o, &olen, &err) == -1 &&
              strcmp(err.code, "wrong_signer") == 0);
        forged = raw_sign(csrc, clen, leader, &olen);
        CHECK_EQ_STR(verify_code(forged, olen, anchors, NULL, t_now), "wrong_signer");
        free(forged);
    }
    signer_free(leader);
    free(csrc);
out:
    free(cms);
    free(src);
    signer_free(prov);
    signer_free(commune);
    X509_STORE_free(anchors);
}

static unsigned char *signed_version(struct signer *prov, int64_t version, const char *expires,
                                     size_t *slen)
{
    struct derr err = {0};
    size_t len;
    unsigned char *cms = NULL;
    json_t *j = good_doc(version);
    if (expires)
        json_object_set_new(j, "expires_at", json_string(expires));
    char *src = text_of(j, &len);
    if (directory_sign(src, len, prov, &cms, slen, &err))
        printf("  sign: %s\n", err.message);
    free(src);
    return cms;
}

static int64_t rows(void)
{
    return fx_int("SELECT count(*) * 1000 + coalesce(max(version), 0) FROM exchange_directory",
                  NULL);
}

TEST(install_and_rollback)
{
    struct signer *prov = seal_of(PROVINCE);
    struct derr err = {0};
    struct directory_cached c;
    size_t l2, l1, l3, l4;
    CHECK(prov != NULL);
    if (!prov)
        return;
    unsigned char *v2 = signed_version(prov, 2, NULL, &l2);
    unsigned char *v1 = signed_version(prov, 1, NULL, &l1);
    unsigned char *v3 = signed_version(prov, 3, PAST, &l3);
    unsigned char *v4 = signed_version(prov, 4, NULL, &l4);
    struct directory d;
    CHECK(directory_load(fx_db, PROVINCE, t_now, &d, NULL, NULL, &err) == -1 &&
          strcmp(err.code, "no_directory") == 0);
    CHECK_EQ_INT(directory_cached_get(fx_db, &c), STORE_DONE);

    CHECK(directory_install(fx_db, fx_dir, PROVINCE, v2, l2, "v2.cms", t_now, &c, &err) == 0);
    CHECK_EQ_INT(c.version, 2);
    CHECK_EQ_INT(c.fetched_at, t_now);
    CHECK_EQ_STR(c.issuer, PROVINCE);
    CHECK_EQ_STR(c.source, "v2.cms");
    int64_t before = rows();
    CHECK_EQ_INT(before, 1002);

    /* older, the same, expired: refused, nothing changes */
    CHECK(directory_install(fx_db, fx_dir, PROVINCE, v1, l1, "v1", t_now, NULL, &err) == -1 &&
          strcmp(err.code, "rollback") == 0 && err.kind == DERR_STATE);
    CHECK(directory_install(fx_db, fx_dir, PROVINCE, v2, l2, "v2", t_now, NULL, &err) == -1 &&
          strcmp(err.code, "same_version") == 0);
    CHECK(directory_install(fx_db, fx_dir, PROVINCE, v3, l3, "v3", t_now, NULL, &err) == -1 &&
          strcmp(err.code, "expired") == 0);
    CHECK(directory_install(fx_db, fx_dir, "000.00.00.H57", v4, l4, "v4", t_now, NULL, &err) ==
              -1 &&
          strcmp(err.code, "wrong_issuer") == 0);
    CHECK_EQ_INT(rows(), before);
    char path[400];
    snprintf(path, sizeof path, "%s/exchange/directory.cms", fx_dir);
    size_t flen = 0;
    char *file = dynbuf_read_file(path, DIRECTORY_MAX_SIZE, &flen);
    CHECK(file && flen == l2 && memcmp(file, v2, l2) == 0);
    free(file);

    unsigned char *bytes = NULL;
    size_t blen = 0;
    CHECK(directory_load(fx_db, PROVINCE, t_now, &d, &bytes, &blen, &err) == 0);
    CHECK_EQ_INT(d.version, 2);
    CHECK(bytes && blen == l2 && memcmp(bytes, v2, l2) == 0);
    free(bytes);
    directory_free(&d);
    /* the cached one expires like any other */
    CHECK(directory_load(fx_db, PROVINCE, t_expires + 1, &d, NULL, NULL, &err) == -1 &&
          strcmp(err.code, "expired") == 0);
    /* Loaded again and again (the verdict is kept between loads): the same
     * directory while it is valid, refused as soon as it is not, for the
     * time or the anchors, and again valid when the anchors come back. */
    CHECK(directory_load(fx_db, PROVINCE, t_now, &d, NULL, NULL, &err) == 0);
    CHECK_EQ_INT(d.version, 2);
    directory_free(&d);
    CHECK(directory_load(fx_db, PROVINCE, t_now + 1, &d, NULL, NULL, &err) == 0);
    CHECK_EQ_INT(d.version, 2);
    CHECK(d.nnodes > 0 && d.nodes[0].cert != NULL && d.nodes[0].nunits > 0);
    directory_free(&d);
    CHECK(directory_load(fx_db, PROVINCE, t_expires, &d, NULL, NULL, &err) == -1 &&
          strcmp(err.code, "expired") == 0);
    CHECK(directory_load(fx_db, PROVINCE, t_expires - 1, &d, NULL, NULL, &err) == 0);
    directory_free(&d);
    CHECK(directory_load(fx_db, PROVINCE, t_issued - 301, &d, NULL, NULL, &err) == -1 &&
          strcmp(err.code, "not_yet_issued") == 0);
    CHECK(store_exec_all(fx_db, "CREATE TEMP TABLE anchors_kept AS SELECT * FROM trust_anchors") ==
              0 &&
          store_exec_all(fx_db, "DELETE FROM trust_anchors") == 0);
    CHECK(directory_load(fx_db, PROVINCE, t_now, &d, NULL, NULL, &err) == -1 &&
          strcmp(err.code, "untrusted") == 0);
    CHECK(store_exec_all(fx_db, "INSERT INTO trust_anchors SELECT * FROM anchors_kept") == 0 &&
          store_exec_all(fx_db, "DROP TABLE anchors_kept") == 0);
    CHECK(directory_load(fx_db, PROVINCE, t_now, &d, NULL, NULL, &err) == 0);
    directory_free(&d);

    /* newer: replaces it; the old one's bytes are dropped, its row stays */
    CHECK(directory_install(fx_db, fx_dir, PROVINCE, v4, l4, "v4", t_now + 60, &c, &err) == 0);
    CHECK_EQ_INT(c.version, 4);
    CHECK_EQ_INT(rows(), 2004);
    CHECK_EQ_INT(fx_int("SELECT count(*) FROM exchange_directory WHERE signed IS NOT NULL", NULL),
                 1);
    file = dynbuf_read_file(path, DIRECTORY_MAX_SIZE, &flen);
    CHECK(file && flen == l4 && memcmp(file, v4, l4) == 0);
    free(file);
    free(v1);
    free(v2);
    free(v3);
    free(v4);
    signer_free(prov);
}

int main(void)
{
    if (fx_open("directory"))
        return 1;
    t_now = now_unix();
    t_issued = t_now - 86400;
    t_expires = t_now + 365 * 86400;
    utc_text(t_issued, ISSUED);
    utc_text(t_expires, EXPIRES);
    utc_text(t_now - 3600, PAST);
    for (int i = 0; i < 4; i++) {
        char cn[32];
        snprintf(cn, sizeof cn, "node %d", i);
        node_key[i] = tc_key();
        node_cert[i] = tc_cert(node_key[i], cn, "Thanh Hóa", NULL, node_key[i], t_issued,
                               t_expires, TC_SIGN);
    }
    RUN(parse_good_and_lookups);
    RUN(parse_refusals);
    RUN(parse_uniqueness);
    RUN(next_hops);
    RUN(parse_limits);
    RUN(sign_and_verify);
    RUN(install_and_rollback);
    for (int i = 0; i < 4; i++) {
        X509_free(node_cert[i]);
        EVP_PKEY_free(node_key[i]);
    }
    fx_close();
    return harness_done();
}
