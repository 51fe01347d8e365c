#include <stdio.h>
#include "greet.h"

const char *greet_version(void) { return "1.0"; }

int greet_format(char *buf, int len, const char *name)
{
    return snprintf(buf, (size_t)len, "Hello, %s!", name ? name : "world");
}
