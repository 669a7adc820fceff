/*
 * cmd_export.c — solidarity export: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_export(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("export", "this command is not available in this build yet");
    return CLI_ERR;
}
