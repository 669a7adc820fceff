/*
 * cmd_migrate.c — solidarity migrate: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_migrate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("migrate", "this command is not available in this build yet");
    return CLI_ERR;
}
