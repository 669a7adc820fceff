/* fuzz_list.c — the list reader on arbitrary bytes (fuzz_formats.h). */
#define FORMAT "list"
#include "fuzz_formats.h"
