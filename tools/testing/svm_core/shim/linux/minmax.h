/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* user-space build of svm_core: see svm_core_shim.h */
#include <linux/svm_core_shim.h>
