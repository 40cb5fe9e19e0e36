/* cmd_routes: prints the API route table, one "METHOD PATTERN" per line
 * (the OpenAPI test compares it with docs/openapi.yaml). */
#include <stdio.h>

#include "cli/cli.h"
#include "http/router.h"

static void print_route(const struct route *rt, void *arg)
{
    printf("%s %s\n", rt->method, rt->pattern);
}

int cmd_routes(int argc, char **argv)
{
    static const char usage[] = "usage: motcua routes\n  Prints the HTTP API routes.\n";
    int rc = cli_parse(argc, argv, NULL, usage, NULL, 0, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    router_each(print_route, NULL);
    return 0;
}
