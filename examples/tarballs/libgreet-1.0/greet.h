#ifndef GREET_H
#define GREET_H
/* libgreet: builds greetings. */
const char *greet_version(void);
/* Writes "Hello, NAME!" into buf (at most len bytes); returns the length it needed. */
int greet_format(char *buf, int len, const char *name);
#endif
