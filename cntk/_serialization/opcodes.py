"""CNTK's numbering of primitive operations (``PrimitiveOpType``) as stored in model files.

The enum is append-only; codes 0-97 are the ones CNTK 2.7 knows. Codes from 197 on were added to
CNTK's master branch after the 2.7 release and never shipped in a release."""
from __future__ import annotations

from typing import Dict, Optional

_NAMES = """
0 Negate 1 Sigmoid 2 Tanh 3 ReLU 4 Exp 5 Log 6 Sqrt 7 Floor 8 Abs 9 Reciprocal 10 Softmax 11 Hardmax
12 TransposeAxes 13 Where 14 Slice 15 Dropout 16 Reshape 17 Pooling 18 SumAll 19 Plus 20 Minus 21 ElementTimes
22 Equal 23 NotEqual 24 Less 25 LessEqual 26 Greater 27 GreaterEqual 28 PackedIndex 29 GatherPacked
30 ScatterPacked 31 Times 32 TransposeTimes 33 Convolution 34 SquaredError 35 CrossEntropyWithSoftmax
36 ClassificationError 37 PastValue 38 FutureValue 39 ReduceElements 40 BatchNormalization 41 Clip 42 Select
43 Splice 44 Combine 45 RandomSample 46 RandomSampleInclusionFrequency 47 ROIPooling 48 Logistic
49 OptimizedRNNStack 50 ReconcileDynamicAxis 51 LogSoftmax 52 LogPlus 53 CosDistance 54 Sin 55 Cos 56 Pass
57 Block 58 Unpooling 59 LambdaRank 60 NDCG 61 EditDistanceError 62 NoOp 63 LabelsToGraph 64 StopGradient 65 ELU
66 ForwardBackward 67 CosDistanceWithNegativeSamples 68 OneHot 69 Pow 70 ToSequence 71 ToSequenceLike
72 UnpackSequence 73 Assign 74 Gather 75 StableSigmoid 76 RandomDistribution 77 Sinh 78 Cosh 79 UnpackBatch
80 ToBatch 81 Asin 82 Acos 83 Pad 84 Crop 85 Atanh 86 Asinh 87 TopK 88 Squeeze 89 ConstantOp
90 LatticeSequenceWithSoftmax 91 Cast 92 EyeLikeOp 93 CustomProxyOp 94 StraightThrough 95 Tan 96 Atan
97 ConvolutionSequenceShape
197 MarginInnerProduct 198 FeatureNormalize 199 AdditiveFullConnection 200 CenterLoss 201 ChannelMultiply
202 GlobalConcat 203 DistributedLabelsGather 204 DistributedFullyConnected 205 DistributedFullyConnected_v2
206 DistributedCrossEntropyWithSoftmax 207 DistributedClassificationError 208 DistributedAdditiveFullConnection
""".split()

OP_NAMES: Dict[int, str] = {int(_NAMES[i]): _NAMES[i + 1] for i in range(0, len(_NAMES), 2)}
OP_CODES: Dict[str, int] = {name: code for code, name in OP_NAMES.items()}
LAST_CNTK27_CODE = 97

# The PrimitiveFunction serialization version that introduced an op (CNTK's own change log of the
# format); ops not listed were there from the first CNTK 2 release.
_ADDED_IN_FORMAT = {"Unpooling": 2, "ELU": 8, "OneHot": 9, "Pow": 10, "ToSequence": 11, "ToSequenceLike": 11,
                    "UnpackSequence": 11, "Assign": 12, "Gather": 13, "StableSigmoid": 14, "RandomDistribution": 15,
                    "UnpackBatch": 16, "ToBatch": 16, "Pad": 17, "Crop": 18, "TopK": 19, "Squeeze": 20,
                    "ConstantOp": 20, "EyeLikeOp": 21, "StraightThrough": 22, "Tan": 23, "Atan": 23,
                    "ConvolutionSequenceShape": 24}

# Op names CNTK's Python API reports (Function.op_name) where they differ from the enum names.
PYTHON_OP_NAMES = {"OneHot": "OneHotOp", "ToSequence": "ToSequenceOp", "ToSequenceLike": "ToSequenceLikeOp",
                   "UnpackSequence": "UnpackSequenceOp", "UnpackBatch": "UnpackBatchAxis", "ToBatch": "ToBatchAxis"}


def op_name(code: int) -> Optional[str]:
    """The enum name of an op code (None for a code CNTK never had)."""
    return OP_NAMES.get(code)


def describe_op(code: int) -> str:
    """A human description of an op code for error messages: its name and which CNTK introduced it."""
    name = OP_NAMES.get(code)
    if name is None:
        return ("op code %d, which no CNTK release defines (CNTK 2.7 knows codes 0-%d; the file is newer than any "
                "CNTK release or is corrupted)" % (code, LAST_CNTK27_CODE))
    if code > LAST_CNTK27_CODE:
        return ("op %s (code %d), added to CNTK's master branch after the 2.7 release (it is in no released CNTK)"
                % (name, code))
    version = _ADDED_IN_FORMAT.get(name)
    when = ("added in CNTK's model format version %d" % version) if version else "present since the first CNTK 2 release"
    return "op %s (code %d, %s)" % (name, code, when)
