/* scan_jsonl: the shared log-reader harness for one format. */
#define FUZZ_FORMAT SOL_LOG_JSONL
#include "fuzz_scan.c"
