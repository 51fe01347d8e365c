#include <stdio.h>
#include <string.h>
#include <greet.h>

/* greet-banner: the libgreet greeting in a box. */
int main(int argc, char **argv)
{
    char buf[256];
    const char *name = argc > 1 ? argv[1] : NULL;
    int n = greet_format(buf, sizeof buf, name);
    if (n < 0 || n >= (int)sizeof buf) return 1;
    putchar('+');
    for (int i = 0; i < n + 2; i++) putchar('-');
    puts("+");
    printf("| %s |\n", buf);
    putchar('+');
    for (int i = 0; i < n + 2; i++) putchar('-');
    puts("+");
    return 0;
}
