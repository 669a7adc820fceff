/*
 * cmd_peer.c — solidarity peer: not yet built (its issue is open).
 */
#include "cli/cli.h"

int
cli_cmd_peer(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("peer", "this command is not available in this build yet");
    return CLI_ERR;
}
