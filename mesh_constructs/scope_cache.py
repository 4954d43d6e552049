"""Stack lookups answered in Python where Python already knows the answer.

Every ``Stack.of(x)`` and every read of a stack's ``account`` is a round trip to the jsii kernel
(Node), and a mesh asks them once per table, grant or membership: of a thousand-project mesh's
synth, these repeated questions with the same answer were a large share of the requests. A
construct's stack never changes once it is created, and neither does a stack's account, so both
are remembered per Python object (weakly: nothing here keeps a construct alive).
"""

from __future__ import annotations

from collections.abc import Callable
from weakref import WeakKeyDictionary

from aws_cdk import Stack
from constructs import IConstruct

_STACKS: WeakKeyDictionary[IConstruct, Stack] = WeakKeyDictionary()
_ACCOUNTS: WeakKeyDictionary[Stack, str] = WeakKeyDictionary()
_PARTITIONS: WeakKeyDictionary[Stack, str] = WeakKeyDictionary()


def stack_of(scope: IConstruct) -> Stack:
    """``Stack.of(scope)``, asked of the kernel once per scope (and not at all for a stack)."""
    if isinstance(scope, Stack):
        return scope
    stack = _STACKS.get(scope)
    if stack is None:
        stack = _STACKS[scope] = Stack.of(scope)
    return stack


def _read_once(cache: WeakKeyDictionary[Stack, str], stack: Stack, read: Callable[[Stack], str]) -> str:
    value = cache.get(stack)
    if value is None:
        value = cache[stack] = read(stack)
    return value


def account_of(scope: IConstruct) -> str:
    """``Stack.of(scope).account``: the literal account, or the same ``AWS::AccountId`` token."""
    return _read_once(_ACCOUNTS, stack_of(scope), lambda stack: stack.account)


def partition_of(scope: IConstruct) -> str:
    """``Stack.of(scope).partition``: the literal partition, or the same ``AWS::Partition`` token."""
    return _read_once(_PARTITIONS, stack_of(scope), lambda stack: stack.partition)
