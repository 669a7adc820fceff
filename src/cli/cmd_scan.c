/*
 * cmd_scan.c — solidarity scan: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_scan(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("scan", "this command is not available in this build yet");
    return CLI_ERR;
}
