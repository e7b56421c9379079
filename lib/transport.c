#include "build.h"

/* placeholder: see the module header */
extern int rl_placeholder_transport;
