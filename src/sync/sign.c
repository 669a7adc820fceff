/*
 * sign.c — Ed25519 provenance signatures over the JCS form of STIX objects (sign.h).
 *
 * Both signing and verifying rebuild the "signed form" of the object — the object with
 * the signature extension entry present but without its "signature" member — as JSON
 * text, parse it again and take its RFC 8785 canonical form: that is the message.
 * Rebuilding from the parsed value makes the message independent of the white space and
 * member order the object travelled with.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "solidarity/alloc.h"
#include "solidarity/sign.h"
#include "solidarity/store.h"
#include "sync/sync_internal.h"

static const char extension_definition_json[] =
    "{\"type\":\"extension-definition\",\"spec_version\":\"2.1\","
    "\"id\":\"" SOL_SIGN_EXTENSION_ID "\","
    "\"created_by_ref\":\"" SOL_SIGN_EXTENSION_AUTHOR "\","
    "\"created\":\"2026-11-28T00:00:00.000Z\",\"modified\":\"2026-11-28T00:00:00.000Z\","
    "\"name\":\"solidarity provenance signature\","
    "\"description\":\"An Ed25519 signature of the object by the node that published it. "
    "The message is the RFC 8785 (JCS) canonical JSON of the whole object with this "
    "extension present but without its signature property.\","
    "\"schema\":\"Properties: extension_type (property-extension), signer (identity id of "
    "the signing node), public_key (base64 of the 32-byte Ed25519 public key), algorithm "
    "(ed25519), signature (base64 of the 64-byte Ed25519 signature, RFC 8032). See "
    "solidarity-export(1).\","
    "\"version\":\"1.0\",\"extension_types\":[\"property-extension\"]}";

/* sign.h: the extension-definition object. */
const char *
sol_sign_extension_definition(void)
{
    return extension_definition_json;
}

static int
sodium_ready(void)
{
    return sodium_init() < 0 ? SOL_ECRYPTO : 0;
}

/* sign.h: wipe a key. */
void
sol_sign_key_clear(struct sol_sign_key *k)
{
    if (k)
        sodium_memzero(k, sizeof *k);
}

/* sign.h: base64 of a public key. */
void
sol_sign_public_text(struct sol_buf *out, const uint8_t pk[SOL_SIGN_PUBLIC_BYTES])
{
    sol_base64_encode(out, pk, SOL_SIGN_PUBLIC_BYTES);
}

/* sign.h: parse a public key. */
int
sol_sign_public_parse(const char *s, size_t n, uint8_t pk[SOL_SIGN_PUBLIC_BYTES])
{
    uint8_t tmp[48];
    if (n != SOL_SIGN_PUBLIC_TEXT)
        return SOL_ESYNTAX;
    long got = sol_base64_decode(s, n, tmp);
    if (got != SOL_SIGN_PUBLIC_BYTES)
        return SOL_ESYNTAX;
    memcpy(pk, tmp, SOL_SIGN_PUBLIC_BYTES);
    return 0;
}

static void
set_signer(struct sol_sign_key *k, const char *signer)
{
    snprintf(k->signer, sizeof k->signer, "%s", signer ? signer : "");
}

/* Decode the base64 text of a secret key (n bytes) into out, with its public half. */
static int
decode_secret(const char *text, size_t n, const char *where, struct sol_sign_key *out,
              struct sol_error *err)
{
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        n--;
    /* libsodium's secret key is the seed followed by the public key. */
    uint8_t sk[96];
    long got = n <= 128 ? sol_base64_decode(text, n, sk) : -1;
    if (got != SOL_SIGN_SECRET_BYTES) {
        sodium_memzero(sk, sizeof sk);
        return sol_error_set(err, SOL_EINVALID,
                             "%s: not an Ed25519 secret key (base64 of 64 bytes expected)", where);
    }
    memcpy(out->secret_key, sk, SOL_SIGN_SECRET_BYTES);
    sodium_memzero(sk, sizeof sk);
    if (crypto_sign_ed25519_sk_to_pk(out->public_key, out->secret_key) != 0)
        return sol_error_set(err, SOL_ECRYPTO, "%s: cannot derive the public key", where);
    return 0;
}

/* Read and decode an existing key file. */
static int
read_key_file(const char *path, struct sol_sign_key *out, struct sol_error *err)
{
    struct sol_buf b;
    sol_buf_init(&b);
    int rc = sol_read_file(path, 4096, &b, err);
    if (rc == 0)
        rc = decode_secret(b.p, b.n, path, out, err);
    if (b.p)
        sodium_memzero(b.p, b.n);
    sol_buf_free(&b);
    return rc;
}

/*
 * Write a secret key into path (mode 0600, created here: O_EXCL), synced before it
 * returns. SOL_EEXISTS when a file is there already; SOL_EIO, with err, otherwise.
 */
static int
write_key_file(const char *path, const struct sol_sign_key *k, struct sol_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        return SOL_EEXISTS;
    if (fd < 0)
        return sol_error_set(err, SOL_EIO, "%s: %s", path, strerror(errno));
    struct sol_buf b;
    sol_buf_init(&b);
    sol_base64_encode(&b, k->secret_key, SOL_SIGN_SECRET_BYTES);
    sol_buf_putc(&b, '\n');
    bool ok = !b.oom && write(fd, b.p, b.n) == (ssize_t)b.n && fsync(fd) == 0;
    int saved = errno;
    if (b.p)
        sodium_memzero(b.p, b.n);
    sol_buf_free(&b);
    close(fd);
    if (!ok) {
        unlink(path);
        return sol_error_set(err, SOL_EIO, "%s: %s", path, strerror(saved));
    }
    return 0;
}

/* sign.h: load or make the node's key. */
int
sol_sign_key_load(const char *data_dir, bool create, const char *signer, struct sol_sign_key *out,
                  struct sol_error *err)
{
    memset(out, 0, sizeof *out);
    if (sodium_ready() != 0)
        return sol_error_set(err, SOL_ECRYPTO, "libsodium cannot be initialised");
    char path[4096];
    int pn = snprintf(path, sizeof path, "%s/%s", data_dir ? data_dir : ".", SOL_SIGN_KEY_FILE);
    if (pn < 0 || (size_t)pn >= sizeof path)
        return sol_error_set(err, SOL_EINVAL, "the data directory's path is too long");
    if (access(path, F_OK) == 0) {
        int rc = read_key_file(path, out, err);
        if (rc == 0)
            set_signer(out, signer);
        return rc;
    }
    if (!create)
        return sol_error_set(err, SOL_ENOTFOUND, "%s: no signing key", path);
    if (crypto_sign_keypair(out->public_key, out->secret_key) != 0)
        return sol_error_set(err, SOL_ECRYPTO, "cannot make an Ed25519 key pair");
    int rc = write_key_file(path, out, err);
    if (rc == SOL_EEXISTS) {
        /* Another process made it first: use theirs. */
        rc = read_key_file(path, out, err);
        if (rc == 0)
            set_signer(out, signer);
        return rc;
    }
    if (rc != 0) {
        sol_sign_key_clear(out);
        return rc;
    }
    set_signer(out, signer);
    return 0;
}

/*
 * The key of a node whose store is a database server's (PostgreSQL): in the store's
 * setting SOL_SETTING_SIGN_SECRET, made on first use in a transaction, so that every
 * process of the node (several `serve` on one database) finds the same key.
 */
static int
key_in_store(struct sol_store *s, struct sol_sign_key *out, struct sol_error *err)
{
    struct sol_buf b;
    sol_buf_init(&b);
    int rc = sol_store_setting_get(s, SOL_SETTING_SIGN_SECRET, &b);
    if (rc == SOL_ENOTFOUND) {
        struct sol_sign_key fresh;
        memset(&fresh, 0, sizeof fresh);
        struct sol_buf text;
        sol_buf_init(&text);
        if (crypto_sign_keypair(fresh.public_key, fresh.secret_key) != 0)
            rc = SOL_ECRYPTO;
        else
            sol_base64_encode(&text, fresh.secret_key, SOL_SIGN_SECRET_BYTES);
        sol_sign_key_clear(&fresh);
        if (rc != SOL_ECRYPTO)
            rc = text.oom ? SOL_ENOMEM : sol_store_begin(s);
        if (rc == 0) {
            /* Another process may have made it in the meantime: keep theirs. */
            rc = sol_store_setting_get(s, SOL_SETTING_SIGN_SECRET, &b);
            if (rc == SOL_ENOTFOUND)
                rc = sol_store_setting_set(s, SOL_SETTING_SIGN_SECRET, text.p);
            if (rc == 0)
                rc = sol_store_audit(s, "node", "node.key", SOL_SETTING_SIGN_SECRET,
                                     "{\"made\":\"the node's signing key\"}");
            rc = rc == 0 ? sol_store_commit(s) : (sol_store_rollback(s), rc);
        }
        if (text.p)
            sodium_memzero(text.p, text.n);
        sol_buf_free(&text);
        if (rc == 0)
            rc = sol_store_setting_get(s, SOL_SETTING_SIGN_SECRET, &b);
    }
    if (rc == 0)
        rc = decode_secret(b.p, b.n, "the store's signing key (" SOL_SETTING_SIGN_SECRET ")", out,
                           err);
    else
        sol_error_set(err, rc, "cannot read or make the node's signing key: %s",
                      sol_store_errmsg(s));
    if (b.p)
        sodium_memzero(b.p, b.n);
    sol_buf_free(&b);
    return rc;
}

/* sign.h: the node's key, with its identity as signer. */
int
sol_sign_node_key(struct sol_store *s, const char *data_dir, struct sol_sign_key *out,
                  struct sol_error *err)
{
    memset(out, 0, sizeof *out);
    if (sodium_ready() != 0)
        return sol_error_set(err, SOL_ECRYPTO, "libsodium cannot be initialised");
    struct sol_buf id, pub, dir;
    sol_buf_init(&id);
    sol_buf_init(&pub);
    sol_buf_init(&dir);
    int rc = sol_store_setting_get(s, SOL_SETTING_NODE_IDENTITY, &id);
    if (rc != 0 && rc != SOL_ENOTFOUND) {
        sol_buf_free(&id);
        return sol_error_set(err, rc, "cannot read the node's identity: %s", sol_store_errmsg(s));
    }
    /* A store kept in files has the key beside it; a database server's keeps it inside. */
    rc = sol_store_dir(s, &dir);
    if (rc == 0)
        rc = sol_sign_key_load(data_dir ? data_dir : dir.p, true, id.p, out, err);
    else if (rc == SOL_EUNSUPPORTED)
        rc = key_in_store(s, out, err);
    else
        sol_error_set(err, rc, "cannot tell where the store is: %s", sol_strerror(rc));
    if (rc == 0)
        set_signer(out, id.p);
    sol_buf_free(&id);
    sol_buf_free(&dir);
    if (rc != 0) {
        sol_sign_key_clear(out);
        return rc;
    }
    struct sol_buf want;
    sol_buf_init(&want);
    sol_sign_public_text(&want, out->public_key);
    rc = sol_store_setting_get(s, SOL_SETTING_SIGN_PUBLIC, &pub);
    if ((rc == SOL_ENOTFOUND || (rc == 0 && strcmp(pub.p ? pub.p : "", want.p) != 0)) && !want.oom)
        rc = sol_store_setting_set(s, SOL_SETTING_SIGN_PUBLIC, want.p);
    sol_buf_free(&want);
    sol_buf_free(&pub);
    if (rc != 0) {
        sol_sign_key_clear(out);
        return sol_error_set(err, rc, "cannot record the public key: %s", sol_store_errmsg(s));
    }
    return 0;
}

/*
 * The key where a store keeps it (sign.h "Keys"): in the file beside a store kept in
 * files, in the setting of a database server's. SOL_ENOTFOUND when there is none.
 */
static int
key_of_store(struct sol_store *s, struct sol_sign_key *out, struct sol_error *err)
{
    memset(out, 0, sizeof *out);
    struct sol_buf dir;
    sol_buf_init(&dir);
    int rc = sol_store_dir(s, &dir);
    if (rc == 0) {
        rc = sol_sign_key_load(dir.p, false, NULL, out, err);
    } else if (rc == SOL_EUNSUPPORTED) {
        struct sol_buf b;
        sol_buf_init(&b);
        rc = sol_store_setting_get(s, SOL_SETTING_SIGN_SECRET, &b);
        if (rc == 0)
            rc = decode_secret(b.p, b.n, "the store's signing key (" SOL_SETTING_SIGN_SECRET ")",
                               out, err);
        else if (rc != SOL_ENOTFOUND)
            sol_error_set(err, rc, "cannot read the signing key: %s", sol_store_errmsg(s));
        if (b.p)
            sodium_memzero(b.p, b.n);
        sol_buf_free(&b);
    }
    sol_buf_free(&dir);
    return rc;
}

/* sign.h: the node's key goes where the other store keeps keys. */
int
sol_sign_key_move(struct sol_store *from, struct sol_store *to, struct sol_error *err)
{
    if (sodium_ready() != 0)
        return sol_error_set(err, SOL_ECRYPTO, "libsodium cannot be initialised");
    struct sol_sign_key k;
    int rc = key_of_store(from, &k, err);
    if (rc == SOL_ENOTFOUND) /* a node that never signed has no key to move */
        return 0;
    if (rc != 0)
        return rc;
    struct sol_buf dir, text;
    sol_buf_init(&dir);
    sol_buf_init(&text);
    rc = sol_store_dir(to, &dir);
    if (rc == 0) {
        char path[4096];
        int pn = snprintf(path, sizeof path, "%s/%s", dir.p, SOL_SIGN_KEY_FILE);
        rc = pn < 0 || (size_t)pn >= sizeof path
                 ? sol_error_set(err, SOL_EINVAL, "the data directory's path is too long")
                 : write_key_file(path, &k, err);
        if (rc == SOL_EEXISTS) { /* the same key may be there already; another is not ours */
            struct sol_sign_key there;
            rc = read_key_file(path, &there, err);
            if (rc == 0 && sodium_memcmp(there.secret_key, k.secret_key, SOL_SIGN_SECRET_BYTES))
                rc = sol_error_set(err, SOL_EEXISTS, "%s: another signing key is there already",
                                   path);
            sol_sign_key_clear(&there);
        }
        /* The copy of a database server's setting, if any, is not where this store looks. */
        if (rc == 0 && (rc = sol_store_setting_delete(to, SOL_SETTING_SIGN_SECRET)) != 0) {
            if (rc == SOL_ENOTFOUND)
                rc = 0;
            else
                sol_error_set(err, rc, "cannot move the signing key: %s", sol_store_errmsg(to));
        }
    } else if (rc == SOL_EUNSUPPORTED) {
        sol_base64_encode(&text, k.secret_key, SOL_SIGN_SECRET_BYTES);
        rc = text.oom ? SOL_ENOMEM : sol_store_setting_set(to, SOL_SETTING_SIGN_SECRET, text.p);
        if (rc != 0)
            sol_error_set(err, rc, "cannot move the signing key: %s",
                          rc == SOL_ENOMEM ? "out of memory" : sol_store_errmsg(to));
    } else {
        sol_error_set(err, rc, "cannot tell where the target keeps keys: %s", sol_strerror(rc));
    }
    if (text.p)
        sodium_memzero(text.p, text.n);
    sol_buf_free(&text);
    sol_buf_free(&dir);
    sol_sign_key_clear(&k);
    return rc;
}

/* What to write as the signature entry. */
struct entry_fields {
    const char *signer;
    const char *public_key;
    const char *signature; /* NULL: the signed form, without it */
};

static void
write_entry(struct sol_json_writer *w, const struct entry_fields *f)
{
    sol_jw_object_begin(w);
    sol_jw_key(w, "extension_type");
    sol_jw_string(w, "property-extension");
    sol_jw_key(w, "signer");
    sol_jw_string(w, f->signer);
    sol_jw_key(w, "public_key");
    sol_jw_string(w, f->public_key);
    sol_jw_key(w, "algorithm");
    sol_jw_string(w, "ed25519");
    if (f->signature) {
        sol_jw_key(w, "signature");
        sol_jw_string(w, f->signature);
    }
    sol_jw_object_end(w);
}

/* The entry as it is in the object, without "signature" (verification). */
static void
write_entry_unsigned(struct sol_json_writer *w, const struct sol_json *entry)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *v;
    sol_jw_object_begin(w);
    sol_json_iter_init(&it, entry);
    while (sol_json_iter_next(&it, &key, &v)) {
        if (sol_str_eqc(key, "signature"))
            continue;
        sol_jw_keyn(w, key.p, key.n);
        sol_jw_value(w, v);
    }
    sol_jw_object_end(w);
}

/*
 * Write obj with its signature entry: replaced by f when f is not NULL, else kept
 * without its "signature" member. The entry goes last in "extensions", which goes where
 * it was (or last when the object had none).
 */
static void
write_with_entry(struct sol_json_writer *w, const struct sol_json *obj,
                 const struct entry_fields *f)
{
    struct sol_json_iter it;
    struct sol_str key;
    const struct sol_json *v;
    bool had_ext = false;
    sol_jw_object_begin(w);
    sol_json_iter_init(&it, obj);
    while (sol_json_iter_next(&it, &key, &v)) {
        sol_jw_keyn(w, key.p, key.n);
        if (!sol_str_eqc(key, "extensions") || sol_json_type(v) != SOL_JSON_OBJECT) {
            sol_jw_value(w, v);
            continue;
        }
        had_ext = true;
        struct sol_json_iter ei;
        struct sol_str ek;
        const struct sol_json *ev;
        const struct sol_json *ours = NULL;
        sol_jw_object_begin(w);
        sol_json_iter_init(&ei, v);
        while (sol_json_iter_next(&ei, &ek, &ev)) {
            if (sol_str_eqc(ek, SOL_SIGN_EXTENSION_ID)) {
                ours = ev;
                continue;
            }
            sol_jw_keyn(w, ek.p, ek.n);
            sol_jw_value(w, ev);
        }
        sol_jw_key(w, SOL_SIGN_EXTENSION_ID);
        if (f)
            write_entry(w, f);
        else if (ours)
            write_entry_unsigned(w, ours);
        else
            sol_jw_null(w);
        sol_jw_object_end(w);
    }
    if (!had_ext) {
        sol_jw_key(w, "extensions");
        sol_jw_object_begin(w);
        sol_jw_key(w, SOL_SIGN_EXTENSION_ID);
        if (f)
            write_entry(w, f);
        else
            sol_jw_null(w);
        sol_jw_object_end(w);
    }
    sol_jw_object_end(w);
}

/* The message: JCS of the JSON text in form. */
static int
canonical_of(struct sol_sign_scratch *sc, struct sol_error *err)
{
    if (sc->form.oom)
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    if (!sc->doc && !(sc->doc = sol_json_doc_new(NULL)))
        return sol_error_set(err, SOL_ENOMEM, "out of memory");
    const struct sol_json *root = NULL;
    int rc = sol_json_parse(sc->doc, sc->form.p, sc->form.n, &root, err);
    if (rc != 0)
        return rc;
    sol_buf_reset(&sc->message);
    rc = sol_json_canonical(&sc->message, root);
    if (rc == 0 && sc->message.oom)
        rc = SOL_ENOMEM;
    if (rc != 0)
        return sol_error_set(err, rc, "cannot make the canonical form: %s", sol_strerror(rc));
    return 0;
}

/* sync_internal.h: scratch buffers for many signatures. */
void
sol__sign_scratch_free(struct sol_sign_scratch *sc)
{
    sol_json_doc_free(sc->doc);
    sol_buf_free(&sc->form);
    sol_buf_free(&sc->message);
    memset(sc, 0, sizeof *sc);
}

/* sync_internal.h: sign with scratch buffers. */
int
sol__sign_object(struct sol_sign_scratch *sc, const struct sol_sign_key *k,
                 const struct sol_json *obj, struct sol_buf *out, struct sol_error *err)
{
    if (sol_json_type(obj) != SOL_JSON_OBJECT)
        return sol_error_set(err, SOL_EINVALID, "only JSON objects can be signed");
    const struct sol_json *ext = sol_json_get(obj, "extensions");
    if (ext && sol_json_type(ext) != SOL_JSON_OBJECT)
        return sol_error_set(err, SOL_EINVALID, "extensions: expected an object, found %s",
                             sol_json_type_name(sol_json_type(ext)));
    if (sodium_ready() != 0)
        return sol_error_set(err, SOL_ECRYPTO, "libsodium cannot be initialised");
    char pk[64];
    struct sol_buf pkb;
    sol_buf_init(&pkb);
    sol_sign_public_text(&pkb, k->public_key);
    snprintf(pk, sizeof pk, "%s", pkb.p ? pkb.p : "");
    sol_buf_free(&pkb);
    struct entry_fields f = {.signer = k->signer, .public_key = pk, .signature = NULL};
    struct sol_json_writer w;
    sol_buf_reset(&sc->form);
    sol_jw_init(&w, &sc->form, false);
    write_with_entry(&w, obj, &f);
    int rc = canonical_of(sc, err);
    if (rc != 0)
        return rc;
    uint8_t sig[SOL_SIGN_BYTES];
    if (crypto_sign_detached(sig, NULL, (const unsigned char *)sc->message.p, sc->message.n,
                             k->secret_key) != 0)
        return sol_error_set(err, SOL_ECRYPTO, "Ed25519 signing failed");
    char sigtext[128];
    struct sol_buf sb;
    sol_buf_init(&sb);
    sol_base64_encode(&sb, sig, sizeof sig);
    snprintf(sigtext, sizeof sigtext, "%s", sb.p ? sb.p : "");
    sol_buf_free(&sb);
    f.signature = sigtext;
    sol_jw_init(&w, out, false);
    write_with_entry(&w, obj, &f);
    return out->oom ? sol_error_set(err, SOL_ENOMEM, "out of memory") : 0;
}

/* sign.h: sign one object. */
int
sol_sign_object(const struct sol_sign_key *k, const struct sol_json *obj, struct sol_buf *out,
                struct sol_error *err)
{
    struct sol_sign_scratch sc;
    memset(&sc, 0, sizeof sc);
    int rc = sol__sign_object(&sc, k, obj, out, err);
    sol__sign_scratch_free(&sc);
    return rc;
}

const char *
sol_sign_verdict_name(enum sol_sign_verdict v)
{
    switch (v) {
    case SOL_SIGN_VALID:
        return "valid";
    case SOL_SIGN_UNSIGNED:
        return "unsigned";
    case SOL_SIGN_UNKNOWN_KEY:
        return "unknown key";
    case SOL_SIGN_BAD:
        return "bad signature";
    }
    return "?";
}

static int
verdict(enum sol_sign_verdict *out, enum sol_sign_verdict v, char *why, size_t why_n,
        const char *msg)
{
    *out = v;
    if (why && why_n)
        snprintf(why, why_n, "%s", msg);
    return 0;
}

/* sync_internal.h: verify with scratch buffers. */
int
sol__sign_verify(struct sol_sign_scratch *sc, const struct sol_json *obj,
                 const uint8_t (*keys)[SOL_SIGN_PUBLIC_BYTES], size_t n_keys,
                 enum sol_sign_verdict *out, char *why, size_t why_n, char signer[128])
{
    if (signer)
        signer[0] = 0;
    if (why && why_n)
        why[0] = 0;
    const struct sol_json *ext = sol_json_get(obj, "extensions");
    const struct sol_json *entry = sol_json_get(ext, SOL_SIGN_EXTENSION_ID);
    if (!entry)
        return verdict(out, SOL_SIGN_UNSIGNED, why, why_n, "the object is not signed");
    if (sol_json_type(entry) != SOL_JSON_OBJECT)
        return verdict(out, SOL_SIGN_BAD, why, why_n, "the signature extension is not an object");
    struct sol_str et = sol_json_str(sol_json_get(entry, "extension_type"));
    struct sol_str alg = sol_json_str(sol_json_get(entry, "algorithm"));
    struct sol_str who = sol_json_str(sol_json_get(entry, "signer"));
    struct sol_str pkt = sol_json_str(sol_json_get(entry, "public_key"));
    struct sol_str sigt = sol_json_str(sol_json_get(entry, "signature"));
    if (signer && who.p)
        snprintf(signer, 128, "%.*s", (int)(who.n < 127 ? who.n : 127), who.p);
    if (!sol_str_eqc(et, "property-extension"))
        return verdict(out, SOL_SIGN_BAD, why, why_n,
                       "the signature extension's extension_type is not property-extension");
    if (!sol_str_eqc(alg, "ed25519"))
        return verdict(out, SOL_SIGN_BAD, why, why_n, "the signature's algorithm is not ed25519");
    uint8_t pk[SOL_SIGN_PUBLIC_BYTES];
    if (!pkt.p || sol_sign_public_parse(pkt.p, pkt.n, pk) != 0)
        return verdict(out, SOL_SIGN_BAD, why, why_n,
                       "the signature's public_key is not base64 of 32 bytes");
    uint8_t sig[SOL_SIGN_BYTES + 8];
    if (!sigt.p || sigt.n != 88 || sol_base64_decode(sigt.p, sigt.n, sig) != SOL_SIGN_BYTES)
        return verdict(out, SOL_SIGN_BAD, why, why_n, "the signature is not base64 of 64 bytes");
    size_t k = 0;
    while (k < n_keys && sodium_memcmp(keys[k], pk, SOL_SIGN_PUBLIC_BYTES) != 0)
        k++;
    if (sodium_ready() != 0)
        return SOL_ECRYPTO;
    struct sol_json_writer w;
    sol_buf_reset(&sc->form);
    sol_jw_init(&w, &sc->form, false);
    write_with_entry(&w, obj, NULL);
    struct sol_error err;
    int rc = canonical_of(sc, &err);
    if (rc == SOL_ENOMEM)
        return rc;
    if (rc != 0)
        return verdict(out, SOL_SIGN_BAD, why, why_n, "the object cannot be canonicalised");
    /* Checked against the key it names even when that key is not held: a changed object
     * is "bad" whoever signed it; an intact one by a stranger is only "unknown key". */
    if (crypto_sign_verify_detached(sig, (const unsigned char *)sc->message.p, sc->message.n,
                                    k < n_keys ? keys[k] : pk) != 0)
        return verdict(out, SOL_SIGN_BAD, why, why_n,
                       "the signature does not match the object (changed after signing?)");
    if (k == n_keys) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "signed by %.*s with a key this node does not hold for "
                 "the partner",
                 (int)(who.n < 120 ? who.n : 120), who.p ? who.p : "?");
        return verdict(out, SOL_SIGN_UNKNOWN_KEY, why, why_n, msg);
    }
    *out = SOL_SIGN_VALID;
    return 0;
}

/* sign.h: verify one object. */
int
sol_sign_verify(const struct sol_json *obj, const uint8_t (*keys)[SOL_SIGN_PUBLIC_BYTES],
                size_t n_keys, enum sol_sign_verdict *out, char *why, size_t why_n,
                char signer[128])
{
    struct sol_sign_scratch sc;
    memset(&sc, 0, sizeof sc);
    int rc = sol__sign_verify(&sc, obj, keys, n_keys, out, why, why_n, signer);
    sol__sign_scratch_free(&sc);
    return rc;
}

/* sign.h: is this the signature's extension-definition? */
bool
sol_sign_is_extension_definition(const struct sol_json *obj)
{
    return sol_str_eqc(sol_json_str(sol_json_get(obj, "id")), SOL_SIGN_EXTENSION_ID);
}

/* sign.h: sign a whole document into a bundle. */
int
sol_sign_document(const struct sol_sign_key *k, const struct sol_json *root, struct sol_buf *out,
                  struct sol_error *err)
{
    const struct sol_json *list = NULL;
    if (sol_json_type(root) == SOL_JSON_ARRAY)
        list = root;
    else if (sol_json_type(root) == SOL_JSON_OBJECT && sol_json_get(root, "objects"))
        list = sol_json_get(root, "objects");
    else if (sol_json_type(root) != SOL_JSON_OBJECT)
        return sol_error_set(err, SOL_EINVALID,
                             "expected a STIX bundle, a list of objects or "
                             "an object");
    if (list && sol_json_type(list) != SOL_JSON_ARRAY)
        return sol_error_set(err, SOL_EINVALID, "objects: expected a list");
    struct sol_uuid u;
    char uid[37];
    sol_uuid_v4(&u);
    sol_uuid_format(&u, uid);
    sol_buf_printf(out, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[%s", uid,
                   extension_definition_json);
    struct sol_sign_scratch sc;
    memset(&sc, 0, sizeof sc);
    int rc = 0;
    if (!list) {
        sol_buf_putc(out, ',');
        rc = sol__sign_object(&sc, k, root, out, err);
    } else {
        struct sol_json_iter it;
        const struct sol_json *v;
        sol_json_iter_init(&it, list);
        for (size_t i = 0; rc == 0 && sol_json_iter_next(&it, NULL, &v); i++) {
            if (sol_sign_is_extension_definition(v))
                continue;
            sol_buf_putc(out, ',');
            rc = sol__sign_object(&sc, k, v, out, err);
            if (rc != 0 && err && !err->path[0])
                snprintf(err->path, sizeof err->path, "objects[%zu]", i);
        }
    }
    sol__sign_scratch_free(&sc);
    if (rc != 0)
        return rc;
    sol_buf_puts(out, "]}");
    return out->oom ? sol_error_set(err, SOL_ENOMEM, "out of memory") : 0;
}

/* sign.h: policy words. */
int
sol_sign_policy_parse(const char *s, enum sol_sign_policy *out)
{
    if (!s)
        return SOL_EINVAL;
    if (strcmp(s, "accept") == 0)
        *out = SOL_SIGN_ACCEPT;
    else if (strcmp(s, "quarantine") == 0)
        *out = SOL_SIGN_QUARANTINE;
    else if (strcmp(s, "refuse") == 0)
        *out = SOL_SIGN_REFUSE;
    else
        return SOL_EINVAL;
    return 0;
}

const char *
sol_sign_policy_name(enum sol_sign_policy p)
{
    switch (p) {
    case SOL_SIGN_ACCEPT:
        return "accept";
    case SOL_SIGN_QUARANTINE:
        return "quarantine";
    case SOL_SIGN_REFUSE:
        return "refuse";
    }
    return "?";
}
