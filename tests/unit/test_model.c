#include <criterion/criterion.h>

#include "model.h"

Test(model, placeholder)
{
	cr_assert(1);
}
