#include <criterion/criterion.h>

#include "transport.h"

Test(transport, placeholder)
{
	cr_assert(1);
}
