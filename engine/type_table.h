#pragma once
// What the tables of event and command types (event_types.h, command_types.h) share: the
// body variant built from a table's rows, and the check that its numbers are the variant's
// indexes.

#include <cstddef>
#include <variant>

namespace cm::engine::type_table {

// std::variant of every type after the first: a table's rows each emit ", Type", and a
// leading placeholder takes the first comma.
template <class Placeholder, class... Bodies>
struct VariantOfRest {
  using type = std::variant<Bodies...>;
};

// Whether numbers[i] == i for every row: listed in order, from 0, without gaps.
template <class T, std::size_t N>
constexpr bool NumberedInOrder(const T (&numbers)[N]) {
  for (std::size_t i = 0; i < N; ++i)
    if (static_cast<std::size_t>(numbers[i]) != i) return false;
  return true;
}

}  // namespace cm::engine::type_table
