#include <criterion/criterion.h>

#include "plugin.h"

Test(plugin, placeholder)
{
	cr_assert(1);
}
