/* scan_zeek: the shared log-reader harness for one format. */
#define FUZZ_FORMAT SOL_LOG_ZEEK_TSV
#include "fuzz_scan.c"
