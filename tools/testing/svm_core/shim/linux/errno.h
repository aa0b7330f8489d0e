/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* user-space build of svm_core: the C library's errno values */
#include_next <linux/errno.h>
#include <linux/svm_core_shim.h>
