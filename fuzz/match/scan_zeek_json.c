/* scan_zeek_json: the shared log-reader harness for one format. */
#define FUZZ_FORMAT SOL_LOG_ZEEK_JSON
#include "fuzz_scan.c"
