#include "p2pchat.h"
#include "test.h"
TEST_GLOBALS;
int main(void){return test_done("test-store");}
