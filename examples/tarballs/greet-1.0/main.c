#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <greet.h>

#ifndef DATADIR
#define DATADIR "/usr/share"
#endif

int main(int argc, char **argv)
{
    char buf[256];
    const char *name = argc > 1 ? argv[1] : NULL;
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("greet 1.0 (libgreet %s)\n", greet_version());
        return 0;
    }
    greet_format(buf, sizeof buf, name);
    puts(buf);
    char motd[512];
    const char *datadir = getenv("GREET_DATADIR");
    snprintf(motd, sizeof motd, "%s/greet-data/motd", datadir ? datadir : DATADIR);
    FILE *f = fopen(motd, "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) fputs(line, stdout);
        fclose(f);
    }
    return 0;
}
