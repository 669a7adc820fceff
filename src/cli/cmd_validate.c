/*
 * cmd_validate.c — solidarity validate: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_validate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("validate", "this command is not available in this build yet");
    return CLI_ERR;
}
