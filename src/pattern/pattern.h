/*
 * pattern/pattern.h — what the files of the pattern module share: the lexer's tokens,
 * the arena the tree lives in, and the inside of struct sol_pattern.
 */
#ifndef SOL_PATTERN_INTERNAL_H
#define SOL_PATTERN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solidarity/pattern.h"

/* Tokens of STIX 2.1 §9 text. */
enum sol__tok {
    SOL__T_EOF = 1,
    SOL__T_LBRACK,
    SOL__T_RBRACK,
    SOL__T_LPAREN,
    SOL__T_RPAREN,
    SOL__T_COLON,
    SOL__T_DOT,
    SOL__T_COMMA,
    SOL__T_STAR,
    SOL__T_EQ,
    SOL__T_NE,
    SOL__T_LT,
    SOL__T_LE,
    SOL__T_GT,
    SOL__T_GE,
    SOL__T_IDENT,  /* letters, digits, '_' and '-', not starting with a digit or '-' */
    SOL__T_STRING, /* '...' (raw span includes the quotes) */
    SOL__T_HEX,    /* h'...' */
    SOL__T_BINARY, /* b'...' */
    SOL__T_TIME,   /* t'...' */
    SOL__T_INT,    /* -?digits */
    SOL__T_FLOAT   /* -?digits?.digits */
};

struct sol__token {
    enum sol__tok kind;
    size_t off; /* byte offset of the first byte */
    size_t len; /* bytes of the whole token */
};

struct sol__lexer {
    const char *s;
    size_t n;
    size_t pos;
    char msg[200]; /* set when sol__lex_next() fails */
    size_t err_off;
};

/* Start lexing n bytes at s (already checked to be UTF-8). */
void sol__lex_init(struct sol__lexer *lx, const char *s, size_t n);

/*
 * The next token into *t. Returns 0, or SOL_ESYNTAX with lx->msg and lx->err_off set
 * (an unknown character, an unterminated or badly escaped string, a malformed number).
 */
int sol__lex_next(struct sol__lexer *lx, struct sol__token *t);

/* A token kind as a person reads it in a message: "']'", "a string", "end of pattern". */
const char *sol__tok_name(enum sol__tok k);

/* A block arena: the tree of one pattern is allocated from it and freed at once. */
struct sol__arena_chunk {
    struct sol__arena_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

struct sol__arena {
    struct sol__arena_chunk *head;
};

struct sol__warning {
    unsigned column;
    char *msg; /* sol_malloc'd */
};

struct sol_pattern {
    struct sol__arena arena;
    struct sol_pattern_obs *root;
    unsigned version;
    bool strict;
    bool single; /* every binding is one observation (see struct sol_pattern_result) */
    struct sol__warning *warnings;
    size_t nwarnings, capwarnings;
    void **regexes; /* pcre2_code *, freed with the pattern */
    size_t nregexes, capregexes;
    size_t nbrackets; /* bracketed observation expressions, numbered in source order */
};

/* Is the object type one of the SCO types of STIX 2.1 §6, and is prop one of its
 * properties (common SCO properties included)? */
bool sol__sco_type_known(struct sol_str type);
bool sol__sco_property_known(struct sol_str type, struct sol_str prop);

#endif
