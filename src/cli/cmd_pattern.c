/*
 * cmd_pattern.c — solidarity pattern: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_pattern(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("pattern", "this command is not available in this build yet");
    return CLI_ERR;
}
