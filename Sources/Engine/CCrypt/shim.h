// libxcrypt (Debian's libcrypt-dev): bcrypt hashes in the `$2b$` format Node's bcrypt reads.
#ifndef VIDEOTUBE_CCRYPT_SHIM_H
#define VIDEOTUBE_CCRYPT_SHIM_H
#include <crypt.h>
#endif
