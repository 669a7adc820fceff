/* fuzz_csv.c — the csv reader on arbitrary bytes (fuzz_formats.h). */
#define FORMAT "csv"
#include "fuzz_formats.h"
