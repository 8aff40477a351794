/*
 * rs_fault.c - the default of the allocation-failure seam (rs_fault.h):
 * nothing is made to fail.  Weak, so that a test's own rs_net_fault wins.
 */
#include "rs_fault.h"

__attribute__((weak)) bool rs_net_fault(enum rs_net_fault_site site)
{
    (void)site;
    return false;
}
