/// A matrix dimension known when compiling. A function generic over one is
/// specialised with d a constant, so that its loops over rows and columns
/// unroll: the small factorisations mclust's models repeat every M-step,
/// at the dimensions most data sets have (Old Faithful's 2, iris's 4).
package protocol FixedDimension { static var value: Int { get } }

package enum Dimension2: FixedDimension { package static var value: Int { 2 } }
package enum Dimension3: FixedDimension { package static var value: Int { 3 } }
package enum Dimension4: FixedDimension { package static var value: Int { 4 } }
