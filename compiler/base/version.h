/*
 * version.h — fcc's version string, used by --version and the User-Agent.
 */
#ifndef FCC_VERSION_H
#define FCC_VERSION_H

#define FCC_VERSION "0.1.0"

#endif
