#include <criterion/criterion.h>

#include "plan.h"

Test(plan, placeholder)
{
	cr_assert(1);
}
