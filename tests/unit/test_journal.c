#include <criterion/criterion.h>

#include "journal.h"

Test(journal, placeholder)
{
	cr_assert(1);
}
