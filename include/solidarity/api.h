/*
 * api.h — the visibility and attribute macros shared by every public header.
 */
#ifndef SOLIDARITY_API_H
#define SOLIDARITY_API_H

#if defined(__GNUC__)
#define SOL_API __attribute__((visibility("default")))
#else
#define SOL_API
#endif

#endif
