/*
 * cmd_import.c — solidarity import: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_import(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("import", "this command is not available in this build yet");
    return CLI_ERR;
}
