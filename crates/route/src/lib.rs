//! The channel graph and pathfinding. (Being built: see issue 5.)
